package main

import (
	"context"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/causerie/causerie/rag"
	"github.com/causerie/causerie/store"
)

func newKB(cfg *config) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "kb",
		Short: "Manage knowledge bases: ingest documents, search, list, remove",
		Long: `Knowledge bases are declared in the workspace file (knowledge_bases); their documents
are ingested here. Embeddings are offline (hashed lexical) unless CAUSERIE_EMBEDDINGS=openai.`,
	}
	cmd.PersistentFlags().StringVar(&name, "kb", "", "knowledge base name (default: the only one)")
	open := func(ctx context.Context, readOnly bool) (store.Store, *store.KnowledgeBase, error) {
		pick := cfg.openWorkspace
		if readOnly {
			pick = cfg.readWorkspace
		}
		s, ws, err := pick(ctx)
		if err != nil {
			return nil, nil, err
		}
		kb, err := pickKB(ctx, s, ws, name)
		if err != nil {
			s.Close()
			return nil, nil, err
		}
		return s, kb, nil
	}

	var size, overlap int
	var exclude []string
	var prune bool
	ingest := &cobra.Command{
		Use:   "ingest PATH...",
		Short: "Ingest files or directories (Markdown, text, HTML, PDF, Q&A YAML); unchanged ones are skipped",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, paths []string) error {
			ctx := cmd.Context()
			if size < rag.MinChunkTokens || size > rag.MaxChunkTokens {
				return fmt.Errorf("--chunk-tokens %d: want %d to %d (default 256)", size, rag.MinChunkTokens, rag.MaxChunkTokens)
			}
			chunking := rag.ChunkOptions{Size: size, Overlap: overlap}
			if err := chunking.Check(); err != nil {
				return err
			}
			files, err := rag.Expand(paths, exclude)
			if err != nil {
				return err
			}
			s, kb, err := open(ctx, false)
			if err != nil {
				return err
			}
			defer s.Close()
			emb, err := rag.EmbedderFromEnv()
			if err != nil {
				return err
			}
			bar := cfg.progress(cmd, len(files), "ingesting")
			in := &rag.Ingester{Store: s, Embedder: emb, Chunking: chunking, Exclude: exclude, Prune: prune,
				Progress: func(done, total int, source string) { bar.step(done, path.Base(source)) }}
			rep, err := in.Ingest(ctx, kb, paths)
			bar.finish()
			if rep != nil {
				printReport(cmd.OutOrStdout(), kb, emb, rep)
			}
			if err != nil {
				return err
			}
			if len(rep.Failed) > 0 {
				return fmt.Errorf("%d files could not be ingested (listed above); the others were", len(rep.Failed))
			}
			return nil
		},
	}
	ingest.Flags().IntVar(&size, "chunk-tokens", 256, "chunk size in tokens")
	ingest.Flags().IntVar(&overlap, "overlap-tokens", 32, "tokens shared by consecutive chunks")
	ingest.Flags().StringArrayVar(&exclude, "exclude", nil, "leave out files or folders matching this glob (repeatable; hidden files and node_modules always are)")
	ingest.Flags().BoolVar(&prune, "prune", false, "allow deleting more than half of the knowledge base's documents (gone from the folder)")

	var k int
	var vectorW, lexicalW, threshold float64
	search := &cobra.Command{
		Use:   `search "QUESTION"`,
		Short: "Search a knowledge base: scores, sources, and which retriever found each hit",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			switch {
			case k < 1 || k > 100:
				return fmt.Errorf("-k %d: want 1 to 100 hits", k)
			case threshold < 0 || threshold > 1:
				return fmt.Errorf("--threshold %g: want a fused score from 0 to 1", threshold)
			case vectorW < 0 || lexicalW < 0:
				return fmt.Errorf("--vector-weight and --lexical-weight must be 0 or more (0 means the default, 1)")
			}
			s, kb, err := open(ctx, true)
			if err != nil {
				return err
			}
			defer s.Close()
			emb, err := rag.EmbedderFromEnv()
			if err != nil {
				return err
			}
			hits, err := (&rag.Searcher{Store: s, Embedder: emb}).Search(ctx, []*store.KnowledgeBase{kb}, args[0],
				rag.SearchOptions{K: k, VectorWeight: vectorW, LexicalWeight: lexicalW, Threshold: threshold})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(hits) == 0 {
				fmt.Fprintln(out, "no passage found")
				return nil
			}
			for i, h := range hits {
				fmt.Fprintf(out, "%d. score %.3f  %s", i+1, h.Score, h.Retrievers())
				var ranks []string
				if h.VectorRank > 0 {
					ranks = append(ranks, fmt.Sprintf("vector #%d cos %.3f", h.VectorRank, h.VectorScore))
				}
				if h.LexicalRank > 0 {
					ranks = append(ranks, fmt.Sprintf("lexical #%d rank %.3f", h.LexicalRank, h.LexicalScore))
				}
				fmt.Fprintf(out, " (%s)\n   %s", strings.Join(ranks, ", "), h.Title)
				if h.HeadingPath != "" {
					fmt.Fprintf(out, " › %s", h.HeadingPath)
				}
				if h.URL != "" {
					fmt.Fprintf(out, "  %s", h.URL)
				}
				fmt.Fprintf(out, "\n   [%s %s]\n   %s\n", h.DocumentID, h.ID, snippet(h.Text, 200))
			}
			return nil
		},
	}
	search.Flags().IntVarP(&k, "top", "k", 5, "how many hits")
	search.Flags().Float64Var(&vectorW, "vector-weight", 0, "weight of the vector ranking in the fusion (default 1)")
	search.Flags().Float64Var(&lexicalW, "lexical-weight", 0, "weight of the full-text ranking in the fusion (default 1)")
	search.Flags().Float64Var(&threshold, "threshold", 0, "minimum fused score (0–1), applied after fusion")

	list := &cobra.Command{
		Use:   "list",
		Short: "List knowledge bases, or with --kb the documents of one",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			if name == "" {
				s, ws, err := cfg.readWorkspace(ctx)
				if err != nil {
					return err
				}
				defer s.Close()
				kbs, err := s.ListKnowledgeBases(ctx, ws.ID)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tLANGUAGE\tDOCUMENTS\tCHUNKS\tEMBEDDER")
				for _, kb := range kbs {
					docs, err := s.ListDocuments(ctx, ws.ID, kb.ID)
					if err != nil {
						return err
					}
					n, err := s.CountChunks(ctx, ws.ID, kb.ID)
					if err != nil {
						return err
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", kb.Name, kb.Language, len(docs), n, orNone(kb.Embedder))
				}
				return tw.Flush()
			}
			s, kb, err := open(ctx, true)
			if err != nil {
				return err
			}
			defer s.Close()
			docs, err := s.ListDocuments(ctx, kb.WorkspaceID, kb.ID)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SOURCE\tTITLE\tCHUNKS\tUPDATED")
			for _, d := range docs {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", d.Source, d.Title, d.Chunks, d.UpdatedAt.Format("2006-01-02 15:04"))
			}
			return tw.Flush()
		},
	}

	var all bool
	rm := &cobra.Command{
		Use:   "rm [SOURCE...] [--all]",
		Short: "Remove documents (by source, as `kb list --kb` shows them) from a knowledge base",
		RunE: func(cmd *cobra.Command, sources []string) error {
			if len(sources) == 0 && !all {
				return fmt.Errorf("name the documents to remove (their sources, see `causerie kb list --kb NAME`), or pass --all")
			}
			ctx := cmd.Context()
			s, kb, err := open(ctx, false)
			if err != nil {
				return err
			}
			defer s.Close()
			docs, err := s.ListDocuments(ctx, kb.WorkspaceID, kb.ID)
			if err != nil {
				return err
			}
			bySource := map[string]*store.Document{}
			var known []string
			for _, d := range docs {
				bySource[d.Source] = d
				known = append(known, d.Source)
			}
			if all {
				sources = known
			}
			var missing []string
			for _, src := range sources {
				if bySource[filepath.Clean(src)] == nil {
					missing = append(missing, src)
				}
			}
			if len(missing) > 0 {
				return fmt.Errorf("knowledge base %q has no document %s; its documents: %s", kb.Name, strings.Join(missing, ", "), strings.Join(known, ", "))
			}
			for _, src := range sources {
				if err := s.DeleteDocument(ctx, kb.WorkspaceID, bySource[filepath.Clean(src)].ID); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "removed %s\n", src)
			}
			if all {
				kb.Embedder = "" // empty again: the next ingestion may use another embedder
				return s.UpdateKnowledgeBase(ctx, kb)
			}
			return nil
		},
	}
	rm.Flags().BoolVar(&all, "all", false, "remove every document")
	cmd.AddCommand(ingest, search, list, rm)
	return cmd
}

func pickKB(ctx context.Context, s store.Store, ws *store.Workspace, name string) (*store.KnowledgeBase, error) {
	kbs, err := s.ListKnowledgeBases(ctx, ws.ID)
	if err != nil {
		return nil, err
	}
	return pickNamed(kbs, func(kb *store.KnowledgeBase) string { return kb.Name }, name, choice{
		workspace: ws.Slug, one: "knowledge base", many: "knowledge bases", flag: "--kb", section: "knowledge_bases",
	})
}

func printReport(out io.Writer, kb *store.KnowledgeBase, emb rag.Embedder, rep *rag.Report) {
	fmt.Fprintf(out, "knowledge base %q (%s): %d added, %d updated, %d unchanged, %d deleted, %d failed; %d chunks written\n",
		kb.Name, emb.Name(), len(rep.Added), len(rep.Updated), len(rep.Unchanged), len(rep.Deleted), len(rep.Failed), rep.Chunks)
	for _, f := range rep.Failed {
		fmt.Fprintf(out, "  skipped: %v\n", f.Err)
	}
	for _, d := range rep.Deleted {
		fmt.Fprintf(out, "  deleted: %s (no longer on disk)\n", d)
	}
	if rep.Chunks > 0 {
		fmt.Fprintf(out, "  embedding %s, storing %s\n", rep.EmbedTime.Round(1e6), rep.StoreTime.Round(1e6))
	}
}

func snippet(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(none yet)"
	}
	return s
}
