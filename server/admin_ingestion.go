package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/rag"
	"github.com/causerie/causerie/store"
)

// Ingestion statuses.
const (
	IngestionRunning = "running"
	IngestionDone    = "done"
	IngestionFailed  = "failed"
)

// IngestionView is where an ingestion of uploaded documents stands.
type IngestionView struct {
	ID            string `json:"id"`
	KnowledgeBase string `json:"knowledge_base"`
	// Status is running, done or failed (the ingestion, or some of its
	// files, failed: see error and report.failed).
	Status string   `json:"status"`
	Files  []string `json:"files"`
	// Done of Total files are through; Current is the last one.
	Done    int    `json:"done"`
	Total   int    `json:"total"`
	Current string `json:"current,omitempty"`
	// Report says what the ingestion did, once it ended.
	Report     *IngestionReport `json:"report,omitempty"`
	Error      string           `json:"error,omitempty"`
	StartedAt  time.Time        `json:"started_at"`
	FinishedAt *time.Time       `json:"finished_at,omitempty"`
	// Events is the URL of the ingestion's progress stream.
	Events string `json:"events"`
}

// IngestionReport is what an ingestion did, as `causerie kb ingest`
// prints it.
type IngestionReport struct {
	Added     []string           `json:"added"`
	Updated   []string           `json:"updated"`
	Unchanged []string           `json:"unchanged"`
	Failed    []IngestionFailure `json:"failed"`
	// Chunks is how many chunks were written.
	Chunks  int     `json:"chunks"`
	EmbedMS float64 `json:"embed_ms"`
	StoreMS float64 `json:"store_ms"`
}

// IngestionFailure is a file that could not be ingested.
type IngestionFailure struct {
	Source string `json:"source"`
	Error  string `json:"error"`
}

// ingestions are the ingestions of this process, running or finished
// lately. They live in memory: the upload's answer names the replica's
// ingestion, whose progress only that replica knows.
type ingestions struct {
	mu   sync.Mutex
	byID map[string]*ingestion
}

// Finished ingestions are forgotten after keepIngestion, or when more than
// maxIngestions are kept.
const (
	keepIngestion = time.Hour
	maxIngestions = 200
)

func newIngestions() *ingestions { return &ingestions{byID: map[string]*ingestion{}} }

type ingestion struct {
	id, workspace string
	mu            sync.Mutex
	v             IngestionView
	// items are the events so far: item i has Seq i+1.
	items []conversation.StreamItem
	// changed is closed (and replaced) when an item is added.
	changed chan struct{}
}

func (r *ingestions) start(workspaceID, kb string, files []string, now time.Time) *ingestion {
	id := store.NewID("ing")
	ing := &ingestion{id: id, workspace: workspaceID, changed: make(chan struct{}), v: IngestionView{ID: id, KnowledgeBase: kb,
		Status: IngestionRunning, Files: slices.Clone(files), Total: len(files), StartedAt: now,
		Events: "/v1/admin/ingestions/" + id + "/events"}}
	ing.mu.Lock()
	ing.emit("progress")
	ing.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prune(now)
	r.byID[id] = ing
	return ing
}

// prune forgets old finished ingestions.
func (r *ingestions) prune(now time.Time) {
	type done struct {
		id string
		at time.Time
	}
	var finished []done
	for id, ing := range r.byID {
		ing.mu.Lock()
		at := ing.v.FinishedAt
		ing.mu.Unlock()
		if at == nil {
			continue
		}
		if now.Sub(*at) > keepIngestion {
			delete(r.byID, id)
			continue
		}
		finished = append(finished, done{id, *at})
	}
	slices.SortFunc(finished, func(a, b done) int { return a.at.Compare(b.at) })
	for i := 0; len(r.byID) >= maxIngestions && i < len(finished); i++ {
		delete(r.byID, finished[i].id)
	}
}

// get returns the workspace's ingestion id, nil when there is none (or
// it is another workspace's).
func (r *ingestions) get(workspaceID, id string) *ingestion {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ing := r.byID[id]; ing != nil && ing.workspace == workspaceID {
		return ing
	}
	return nil
}

// emit records an event of kind carrying the view as it is; ing.mu is
// held.
func (ing *ingestion) emit(kind string) {
	data, _ := json.Marshal(ing.v)
	ing.items = append(ing.items, conversation.StreamItem{Seq: int64(len(ing.items) + 1), Kind: kind, Data: data})
	close(ing.changed)
	ing.changed = make(chan struct{})
}

func (ing *ingestion) progress(done, total int, source string) {
	ing.mu.Lock()
	defer ing.mu.Unlock()
	ing.v.Done, ing.v.Total, ing.v.Current = done, total, source
	ing.emit("progress")
}

// finish records the ingestion's end; dir is the upload's folder, which
// messages should not show.
func (ing *ingestion) finish(rep *rag.Report, err error, dir string, now time.Time) {
	ing.mu.Lock()
	defer ing.mu.Unlock()
	ing.v.FinishedAt = &now
	if rep != nil {
		r := &IngestionReport{Added: orEmpty(rep.Added), Updated: orEmpty(rep.Updated), Unchanged: orEmpty(rep.Unchanged),
			Failed: []IngestionFailure{}, Chunks: rep.Chunks,
			EmbedMS: float64(rep.EmbedTime.Microseconds()) / 1000, StoreMS: float64(rep.StoreTime.Microseconds()) / 1000}
		for _, f := range rep.Failed {
			r.Failed = append(r.Failed, IngestionFailure{Source: f.Source,
				Error: strings.ReplaceAll(f.Err.Error(), dir+string(filepath.Separator), "")})
		}
		ing.v.Report = r
	}
	switch {
	case err != nil:
		ing.v.Status, ing.v.Error = IngestionFailed, err.Error()
	case rep != nil && len(rep.Failed) > 0:
		ing.v.Status = IngestionFailed
		ing.v.Error = fmt.Sprintf("%d of %d files could not be ingested (see report.failed); the others were", len(rep.Failed), ing.v.Total)
	default:
		ing.v.Status = IngestionDone
	}
	ing.emit(ing.v.Status)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (ing *ingestion) view() IngestionView {
	ing.mu.Lock()
	defer ing.mu.Unlock()
	return ing.v
}

// stream sends the events after Seq after, then the new ones as they
// come; it closes after the last (done or failed), or when ctx ends.
func (ing *ingestion) stream(ctx context.Context, after int64) <-chan conversation.StreamItem {
	out := make(chan conversation.StreamItem)
	go func() {
		defer close(out)
		next := int(after)
		for {
			ing.mu.Lock()
			next = min(next, len(ing.items))
			pending := ing.items[next:len(ing.items):len(ing.items)]
			finished := ing.v.Status != IngestionRunning
			changed := ing.changed
			ing.mu.Unlock()
			for _, it := range pending {
				select {
				case out <- it:
				case <-ctx.Done():
					return
				}
			}
			next += len(pending)
			if finished {
				return
			}
			select {
			case <-changed:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func (a *admin) ingestionOf(c *echo.Context) (*ingestion, error) {
	id, err := pathParam(c, "id")
	if err != nil {
		return nil, err
	}
	ing := a.ingestions.get(who(c).ws.ID, id)
	if ing == nil {
		return nil, problem(http.StatusNotFound, "not-found",
			"there is no ingestion %q (ingestions are known to the server that started them, for an hour after they end)", id)
	}
	return ing, nil
}

func (a *admin) getIngestion(c *echo.Context) error {
	ing, err := a.ingestionOf(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ing.view())
}

// ingestionEvents streams an ingestion's progress as Server-Sent Events:
// "progress" after each file, then "done" or "failed", each carrying the
// ingestion's view; the stream ends after the last. Last-Event-ID (or
// ?after=) resumes after an event.
func (a *admin) ingestionEvents(c *echo.Context) error {
	ing, err := a.ingestionOf(c)
	if err != nil {
		return err
	}
	after, err := lastEventID(c)
	if err != nil {
		return err
	}
	return a.sse(c, ing.stream(c.Request().Context(), after), nil)
}
