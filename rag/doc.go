// Package rag owns knowledge bases: loading documents, chunking,
// embedding, hybrid retrieval (vector and full-text, fused by reciprocal
// rank) and the citations a grounded reply carries.
package rag
