package evals

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/causerie/causerie/internal/redact"
	"github.com/causerie/causerie/internal/suggest"
)

// Cassette holds the model traffic of one case: for each recorded trial,
// the requests (normalised, secrets redacted) and the responses, in order.
type Cassette struct {
	Suite  string          `json:"suite"`
	Case   string          `json:"case"`
	Trials [][]Interaction `json:"trials"`
}

// Interaction is one model request and its response.
type Interaction struct {
	// Key is the hash of the normalised request: replay finds a response
	// by it.
	Key string `json:"key"`
	// Turn is the visitor turn (1-based) that caused the request; 0 for
	// the judge.
	Turn        int             `json:"turn"`
	Endpoint    string          `json:"endpoint"`
	Request     json.RawMessage `json:"request,omitempty"`
	Status      int             `json:"status"`
	ContentType string          `json:"content_type"`
	Response    string          `json:"response"`
}

// CassettePath is where a case's cassette lives: next to its suite, in
// cassettes/<suite file name>/<case>.json.
func CassettePath(s *Suite, c *Case) string {
	base := strings.TrimSuffix(filepath.Base(s.File), filepath.Ext(s.File))
	return filepath.Join(s.Dir, "cassettes", base, slug(c.Name)+".json")
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	return strings.Trim(nonSlug.ReplaceAllString(suggest.Fold(s), "-"), "-")
}

// LoadCassette reads a cassette; a missing file returns nil, nil.
func LoadCassette(path string) (*Cassette, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var c Cassette
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("cassette %s: %w", path, err)
	}
	return &c, nil
}

// Save writes the cassette.
func (c *Cassette) Save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// MissingError is a replayed request the cassette does not have.
type MissingError struct {
	Case, Cassette, Endpoint, Key string
	Turn                          int
}

func (e *MissingError) Error() string {
	where := fmt.Sprintf("turn %d", e.Turn)
	if e.Turn == 0 {
		where = "the judge"
	}
	if _, err := os.Stat(e.Cassette); errors.Is(err, os.ErrNotExist) {
		return fmt.Sprintf("case %q, %s: the case asks the model (%s) and has no cassette (%s): record one with --record, "+
			"or run it --live", e.Case, where, e.Endpoint, e.Cassette)
	}
	return fmt.Sprintf("case %q, %s: the model request (%s, key %s) is not in the cassette %s — the prompt, the tools "+
		"or the case changed since it was recorded; record it again with --record", e.Case, where, e.Endpoint, e.Key[:12], e.Cassette)
}

// Mode says where model traffic goes.
type Mode int

// Modes.
const (
	// Replay serves recorded responses and fails on any other request.
	Replay Mode = iota
	// Record sends requests to the model endpoint and records them.
	Record
	// Live sends requests to the model endpoint without recording.
	Live
)

// tape is the model transport of one trial.
type tape struct {
	mode     Mode
	upstream http.RoundTripper
	caseName string
	path     string
	replay   []Interaction // the trial's recorded interactions

	mu       sync.Mutex
	turn     int
	used     map[int]bool
	recorded []Interaction
	missing  *MissingError
}

func (t *tape) setTurn(n int) {
	t.mu.Lock()
	t.turn = n
	t.mu.Unlock()
}

// RoundTrip implements http.RoundTripper.
func (t *tape) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	endpoint := req.URL.Path
	if i := strings.LastIndex(endpoint, "/v1/"); i >= 0 {
		endpoint = endpoint[i+3:]
	}
	normalised, key := normalise(body, req.Header.Get("Content-Type"))
	t.mu.Lock()
	turn := t.turn
	t.mu.Unlock()

	if t.mode == Replay {
		t.mu.Lock()
		defer t.mu.Unlock()
		for i, in := range t.replay {
			if !t.used[i] && in.Key == key {
				t.used[i] = true
				return &http.Response{StatusCode: in.Status, Header: http.Header{"Content-Type": {in.ContentType}},
					Body: io.NopCloser(strings.NewReader(in.Response)), Request: req, ContentLength: int64(len(in.Response))}, nil
			}
		}
		miss := &MissingError{Case: t.caseName, Cassette: t.path, Endpoint: endpoint, Key: key, Turn: turn}
		if t.missing == nil {
			t.missing = miss
		}
		return nil, miss
	}

	up := req.Clone(req.Context())
	up.Body = io.NopCloser(bytes.NewReader(body))
	up.ContentLength = int64(len(body))
	resp, err := t.upstream.RoundTrip(up)
	if err != nil || t.mode != Record {
		return resp, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.recorded = append(t.recorded, Interaction{Key: key, Turn: turn, Endpoint: endpoint, Request: normalised,
		Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Response: redact.String(string(data))})
	t.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp, nil
}

// Store IDs (ws_…, conv_…, chk_…) differ from run to run; in a request
// they become <id1>, <id2>… by order of appearance.
var storeID = regexp.MustCompile(`\b(?:ws|usr|team|agent|fld|stage|lbl|kb|ct|conv|msg|task|doc|chk|turn)_[0-9a-hjkmnp-tv-z]{26}\b`)

// The token cap's field differs by endpoint (agent.OpenAIConfig.TokenField):
// a case recorded against one endpoint replays against the cassette with
// the field named the same way, max_completion_tokens.
var (
	bothTokenFields = regexp.MustCompile(`([,{])"max_tokens":(\d+),"max_completion_tokens":\d+`)
	maxTokensField  = regexp.MustCompile(`([,{])"max_tokens":(\d+)`)
)

func oneTokenField(s string) string {
	s = bothTokenFields.ReplaceAllString(s, `$1"max_completion_tokens":$2`)
	return maxTokensField.ReplaceAllString(s, `$1"max_completion_tokens":$2`)
}

// normalise returns the request as recorded (IDs numbered, secrets
// redacted) and its key.
func normalise(body []byte, contentType string) (json.RawMessage, string) {
	mt, params, _ := mime.ParseMediaType(contentType)
	if strings.HasPrefix(mt, "multipart/") {
		// An audio upload: its boundary is random; its parts are not.
		h := sha256.New()
		r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		var names []string
		for {
			p, err := r.NextPart()
			if err != nil {
				break
			}
			data, _ := io.ReadAll(p)
			h.Write([]byte(p.FormName() + "\x00" + p.FileName() + "\x00"))
			h.Write(data)
			names = append(names, p.FormName())
		}
		desc, _ := json.Marshal(map[string]any{"multipart": names})
		return desc, hex.EncodeToString(h.Sum(nil))
	}
	ids := map[string]string{}
	text := storeID.ReplaceAllStringFunc(string(body), func(id string) string {
		if n, ok := ids[id]; ok {
			return n
		}
		ids[id] = "<id" + strconv.Itoa(len(ids)+1) + ">"
		return ids[id]
	})
	text = redact.String(text) // secrets never reach a cassette
	text = oneTokenField(text)
	sum := sha256.Sum256([]byte(text)) // the client writes its JSON in a fixed order
	if !json.Valid([]byte(text)) {
		raw, _ := json.Marshal(text)
		return raw, hex.EncodeToString(sum[:])
	}
	return json.RawMessage(text), hex.EncodeToString(sum[:])
}
