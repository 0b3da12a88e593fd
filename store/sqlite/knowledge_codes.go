package sqlite

import (
	"context"
	"encoding/binary"
	"errors"
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/causerie/causerie/store/internal/sqlstore"
)

// vectorCache keeps in memory the sign bits of the knowledge bases
// searched (12 words a 768-d chunk: 10 MB for 100,000 chunks), so that the
// first pass of a search reads no row. Every write of a knowledge base's
// chunks counts them in its row of kb_vector_generations, in the same
// transaction; a search reads that row first and loads what changed:
// chunks inserted since (their rowids only grow: AUTOINCREMENT, one writer
// at a time), or everything again once the chunks deleted since the last
// full load are more than an eighth. Until then deleted chunks keep their
// bits here and the first pass takes as many more candidates (re-scoring
// drops them), so that none of the live ones is crowded out. Any process
// may write: another's writes are seen through the generation.
type vectorCache struct {
	mu      sync.Mutex
	entries map[codeKey]*codeEntry
}

type codeKey struct {
	kb   string
	dims int
}

type codeEntry struct {
	load sync.Mutex // held while (re)loading
	snap atomic.Pointer[codeSnapshot]
}

// codeSnapshot is the bits of one knowledge base's chunks of one size, as
// of a generation. It is never changed once published: a reload makes a
// new one (appending to the slices past their length is safe: readers of
// the old one stop at theirs).
type codeSnapshot struct {
	gen generation
	// fullDeleted is the deleted count at the last full load.
	fullDeleted int64
	maxRowid    int64
	words       int
	rowids      []int64
	codes       []uint64 // words per chunk, in rowids' order
}

// stale is how many of the snapshot's chunks may have been deleted since.
func (s *codeSnapshot) stale() int { return int(s.gen.deleted - s.fullDeleted) }

// generation counts the chunks ever inserted into and deleted from a
// knowledge base.
type generation struct{ inserted, deleted int64 }

func readGeneration(ctx context.Context, c sqlstore.Conn, kb string) (generation, error) {
	var g generation
	err := c.QueryRow(ctx, `SELECT inserted, deleted FROM kb_vector_generations WHERE knowledge_base_id = $1`, kb).Scan(&g.inserted, &g.deleted)
	if errors.Is(err, sqlstore.ErrNoRows) {
		err = nil
	}
	return g, err
}

func (vc *vectorCache) entry(k codeKey) *codeEntry {
	vc.mu.Lock()
	defer vc.mu.Unlock()
	if vc.entries == nil {
		vc.entries = map[codeKey]*codeEntry{}
	}
	e, ok := vc.entries[k]
	if !ok {
		e = &codeEntry{}
		vc.entries[k] = e
	}
	return e
}

// snapshot returns the bits of kb's chunks of dims dimensions, current as
// of their generation read now.
func (vc *vectorCache) snapshot(ctx context.Context, c sqlstore.Conn, kb string, dims int) (*codeSnapshot, error) {
	gen, err := readGeneration(ctx, c, kb)
	if err != nil {
		return nil, err
	}
	e := vc.entry(codeKey{kb, dims})
	if s := e.snap.Load(); s != nil && s.gen == gen {
		return s, nil
	}
	e.load.Lock()
	defer e.load.Unlock()
	prev := e.snap.Load()
	if prev != nil && prev.gen == gen {
		return prev, nil // loaded meanwhile
	}
	// The generation is read before the rows: rows newer than it make the
	// next search load again, never miss.
	next := &codeSnapshot{gen: gen, fullDeleted: gen.deleted, words: codeWords(dims)}
	if prev != nil && gen.inserted >= prev.gen.inserted && gen.deleted >= prev.gen.deleted &&
		gen.deleted-prev.fullDeleted <= int64(len(prev.rowids)/8) {
		next.fullDeleted, next.maxRowid, next.rowids, next.codes = prev.fullDeleted, prev.maxRowid, prev.rowids, prev.codes
	}
	if err := next.loadAfter(ctx, c, kb, dims); err != nil {
		return nil, err
	}
	e.snap.Store(next)
	return next, nil
}

// loadAfter appends the bits of kb's chunks of dims dimensions whose rowid
// is above s.maxRowid.
func (s *codeSnapshot) loadAfter(ctx context.Context, c sqlstore.Conn, kb string, dims int) error {
	rows, err := c.Query(ctx, `SELECT rowid, code FROM kb_chunk_vectors WHERE knowledge_base_id = $1 AND dims = $2 AND rowid > $3 ORDER BY rowid`,
		kb, dims, s.maxRowid)
	if err != nil {
		return err
	}
	defer rows.Close()
	var rowid int64
	var blob []byte
	for rows.Next() {
		if err := rows.Scan(&rowid, &blob); err != nil {
			return err
		}
		if len(blob) != 8*s.words {
			continue // not a code of this size
		}
		for i := range s.words {
			s.codes = append(s.codes, binary.LittleEndian.Uint64(blob[8*i:]))
		}
		s.rowids = append(s.rowids, rowid)
		s.maxRowid = rowid
	}
	return rows.Err()
}

// nearestCodes returns the rowids of the n chunks of snaps whose codes are
// nearest to q by Hamming distance (ties at the cut go to the lower
// rowids of the first snapshots); all of them when they are no more.
func nearestCodes(q []uint64, snaps []*codeSnapshot, n int) []int64 {
	total := 0
	for _, s := range snaps {
		total += len(s.rowids)
	}
	if total <= n {
		out := make([]int64, 0, total)
		for _, s := range snaps {
			out = append(out, s.rowids...)
		}
		return out
	}
	dist := make([]uint16, total)
	hist := make([]int, 64*len(q)+1)
	i := 0
	for _, s := range snaps {
		w := s.words
		for j := range s.rowids {
			code := s.codes[j*w : j*w+w : j*w+w]
			d := 0
			for t, x := range code {
				d += bits.OnesCount64(x ^ q[t])
			}
			dist[i] = uint16(d)
			hist[d]++
			i++
		}
	}
	// cut is the distance at which the n nearest end; below it, all are
	// taken, at it the first room ones.
	cut, below := 0, 0
	for below+hist[cut] < n {
		below += hist[cut]
		cut++
	}
	room := n - below
	out := make([]int64, 0, n)
	i = 0
	for _, s := range snaps {
		for _, rowid := range s.rowids {
			d := int(dist[i])
			i++
			switch {
			case d < cut:
				out = append(out, rowid)
			case d == cut && room > 0:
				room--
				out = append(out, rowid)
			}
		}
	}
	return out
}
