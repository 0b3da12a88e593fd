package prompts

import (
	"sync"

	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"
)

// The tokenizer reads its BPE ranks from files embedded in the module
// (tiktoken-go-loader), so nothing is downloaded at run time.
var encoding = sync.OnceValues(func() (*tiktoken.Tiktoken, error) {
	tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader())
	return tiktoken.GetEncoding("o200k_base")
})

// messageOverhead approximates the tokens a chat message costs beyond its
// text (role, separators).
const messageOverhead = 4

// Tokens counts the tokens of text with the o200k_base encoding (GPT-4o
// family); other models' counts differ a little, which a budget absorbs.
func Tokens(text string) int {
	enc, err := encoding()
	if err != nil { // cannot happen with the embedded files; count roughly
		return len(text)/4 + 1
	}
	return len(enc.Encode(text, nil, nil))
}

// Fit returns how many of the newest texts fit in budget tokens together,
// counting messageOverhead per text. The newest is always kept, even
// alone over budget, so that a turn never loses the message it answers.
func Fit(texts []string, budget int) int {
	// A token is at least one byte: when the bytes fit, the tokens do, and
	// nothing needs encoding (the usual case for a chat's recent history).
	size := 0
	for _, t := range texts {
		size += len(t) + messageOverhead
	}
	if size <= budget {
		return len(texts)
	}
	used, n := 0, 0
	for i := len(texts) - 1; i >= 0; i-- {
		used += Tokens(texts[i]) + messageOverhead
		if used > budget && n > 0 {
			break
		}
		n++
	}
	return n
}
