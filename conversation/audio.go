package conversation

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/causerie/causerie/store"
)

// Audio is an audio (or video) attachment of a visitor's message.
type Audio struct {
	Name        string // file name, whose extension gives the format
	ContentType string
	Data        []byte
}

// AudioFormats are the formats seed 002 lists, by file extension.
var AudioFormats = []string{"mp3", "wav", "flac", "m4a", "ogg", "oga", "opus", "aac", "aiff", "avi", "m4v", "mkv",
	"mov", "mp4", "mpeg", "mpg", "weba", "webm", "wmv", "3gp", "3gpp"}

// AudioFormatError refuses an audio file of a format seed 002 does not
// list, before anything is stored.
type AudioFormatError struct {
	Name, Format string
}

func (e *AudioFormatError) Error() string {
	return fmt.Sprintf("audio %q: format %q is not supported; use one of %s", e.Name, e.Format, strings.Join(AudioFormats, ", "))
}

// checkAudio refuses formats seed 002 does not list, before anything is
// stored.
func checkAudio(audio []Audio) ([]store.Attachment, error) {
	var atts []store.Attachment
	for _, au := range audio {
		ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(au.Name)), ".")
		if !slices.Contains(AudioFormats, ext) {
			return nil, &AudioFormatError{Name: au.Name, Format: ext}
		}
		atts = append(atts, store.Attachment{Name: au.Name, ContentType: au.ContentType, Size: int64(len(au.Data))})
	}
	return atts, nil
}

// transcribe turns the message's audio into text appended to its text.
func (r *Runtime) transcribe(ctx context.Context, in Inbound) (string, error) {
	text := in.Text
	if r.opts.Transcriber == nil {
		return text, nil // stored as is; the turn explains that no model is configured
	}
	for _, au := range in.Audio {
		t, err := r.opts.Transcriber.Transcribe(ctx, bytes.NewReader(au.Data), au.Name)
		if err != nil {
			return text, err
		}
		text = strings.TrimSpace(text + "\n" + t)
	}
	return text, nil
}
