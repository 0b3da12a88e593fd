package rag

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/causerie/causerie/store"
)

// QuestionSet is a labelled set of questions for measuring retrieval:
// each names the chunk(s) that answer it.
type QuestionSet struct {
	KnowledgeBase string     `yaml:"knowledge_base"`
	Questions     []Question `yaml:"questions"`
}

// Question is a question and what answers it.
type Question struct {
	Question string   `yaml:"question"`
	Answers  []Answer `yaml:"answers"`
}

// Answer identifies an answering chunk: its document's source ends with
// Source, and its text contains Contains.
type Answer struct {
	Source   string `yaml:"source"`
	Contains string `yaml:"contains"`
}

// LoadQuestions reads a question set.
func LoadQuestions(path string) (*QuestionSet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var qs QuestionSet
	if err := yaml.UnmarshalWithOptions(data, &qs, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("%s: %s", path, yaml.FormatError(err, false, true))
	}
	if len(qs.Questions) == 0 {
		return nil, fmt.Errorf("%s: no questions", path)
	}
	return &qs, nil
}

// Quality is how well a retriever answers a question set.
type Quality struct {
	// RecallAt5 is the share of questions with an answering chunk in the
	// first five hits.
	RecallAt5 float64
	// MRR is the mean reciprocal rank of the first answering chunk (0 when
	// it is not in the hits).
	MRR float64
	// Missed lists the questions with no answering chunk in the first five.
	Missed []string
}

// Evaluate runs every question through search (K at least 10) and scores
// the rankings. docs maps document IDs to their sources.
func Evaluate(ctx context.Context, s *Searcher, kbs []*store.KnowledgeBase, qs *QuestionSet, opts SearchOptions, docs map[string]string) (Quality, error) {
	opts.K = max(opts.K, 10)
	var q Quality
	for _, question := range qs.Questions {
		hits, err := s.Search(ctx, kbs, question.Question, opts)
		if err != nil {
			return q, fmt.Errorf("%q: %w", question.Question, err)
		}
		rank := 0
		for i, h := range hits {
			if answers(question, h.Chunk, docs) {
				rank = i + 1
				break
			}
		}
		if rank > 0 {
			q.MRR += 1 / float64(rank)
		}
		if rank > 0 && rank <= 5 {
			q.RecallAt5++
		} else {
			q.Missed = append(q.Missed, question.Question)
		}
	}
	n := float64(len(qs.Questions))
	q.RecallAt5 /= n
	q.MRR /= n
	return q, nil
}

func answers(q Question, c store.Chunk, docs map[string]string) bool {
	for _, a := range q.Answers {
		if strings.HasSuffix(docs[c.DocumentID], a.Source) && strings.Contains(c.Text, a.Contains) {
			return true
		}
	}
	return false
}
