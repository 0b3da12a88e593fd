package postgres

import (
	"time"

	"github.com/causerie/causerie/store"
)

// SetListenPing sets how long Listen's connection of s may stay silent
// before it is checked; call it before Listen.
func SetListenPing(s store.Store, every time.Duration) { s.(*Store).listenPing = every }
