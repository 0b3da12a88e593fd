package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/internal/sqlstore"
)

// Store is the PostgreSQL store: a store.Store, and a store.Notifier
// through which serve replicas wake each other (LISTEN/NOTIFY).
type Store struct {
	*sqlstore.Store
	drv *driver
	// listenPing is how long a listening connection may stay silent
	// before Listen checks that the server still answers on it: a peer
	// that vanished sends no reset, and LISTEN would wait forever.
	listenPing time.Duration
}

var (
	_ store.Store    = (*Store)(nil)
	_ store.Notifier = (*Store)(nil)
)

const (
	// maxChannel is the longest identifier PostgreSQL keeps (NAMEDATALEN
	// - 1): LISTEN would truncate a longer name, pg_notify refuses it.
	maxChannel = 63

	listenMinBackoff   = 100 * time.Millisecond
	listenMaxBackoff   = 10 * time.Second
	listenPingInterval = 30 * time.Second
	listenPingTimeout  = 10 * time.Second
	closeTimeout       = time.Second
)

// Notify implements store.Notifier.
func (s *Store) Notify(ctx context.Context, channel, payload string) error {
	if _, err := s.drv.pool.Exec(ctx, notifySQL, channel, payload); err != nil {
		return fmt.Errorf("notify %s: %w", channel, err)
	}
	return nil
}

// Listen implements store.Notifier, on a connection of its own rather
// than one taken from the pool for as long as Listen runs. It returns an
// error when the first connection or its LISTEN fails; once listening, a
// lost connection is dialled again, backing off from 100 ms to 10 s with
// jitter, and fn("") is called when LISTEN is back.
func (s *Store) Listen(ctx context.Context, channel string, ready func(), fn func(payload string)) error {
	if channel == "" || len(channel) > maxChannel {
		return fmt.Errorf("listen: channel name %q: want 1 to %d bytes", channel, maxChannel)
	}
	conn, err := s.listen(ctx, channel)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("listen %s: %w", channel, err)
	}
	if ready != nil {
		ready()
	}
	backoff := listenMinBackoff
	for {
		connected := time.Now()
		_ = s.receive(ctx, conn, channel, fn) // the connection is lost, or ctx done
		closeConn(conn)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(connected) > listenMaxBackoff {
			backoff = listenMinBackoff // it had worked for a while: not a failing server
		}
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(jitter(backoff)):
			}
			backoff = min(2*backoff, listenMaxBackoff)
			if conn, err = s.listen(ctx, channel); err == nil {
				break
			}
			if ctx.Err() != nil {
				return nil
			}
		}
		fn("") // notices may have been missed while disconnected
	}
}

// listen opens a connection and runs LISTEN channel on it.
func (s *Store) listen(ctx context.Context, channel string) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, s.drv.connConfig)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		closeConn(conn)
		return nil, err
	}
	return conn, nil
}

// receive calls fn with the payload of each notification on conn until
// ctx is done or the connection fails.
func (s *Store) receive(ctx context.Context, conn *pgx.Conn, channel string, fn func(string)) error {
	for {
		wait, cancel := context.WithTimeout(ctx, s.listenPing)
		n, err := conn.WaitForNotification(wait)
		cancel()
		switch {
		case err == nil:
			if n.Channel == channel {
				fn(n.Payload)
			}
		case ctx.Err() != nil:
			return ctx.Err()
		case wait.Err() != nil && !conn.IsClosed():
			// Silent for listenPing (a timeout leaves the connection
			// usable): make sure the server is still there.
			check, cancel := context.WithTimeout(ctx, listenPingTimeout)
			err = conn.Ping(check)
			cancel()
			if err != nil {
				return err
			}
		default:
			return err
		}
	}
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	_ = conn.Close(ctx)
}

// jitter returns a duration between d/2 and d, so that the replicas a
// restart disconnected do not all dial again at once.
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d/2+1)
}
