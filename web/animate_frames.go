package web

// Encoded steps shared between streams. In a class, many students play the
// same animation (an exercise's, or the playground's default), and a load
// test plays one animation on every stream; computing and encoding step i
// once for all of them, instead of once per stream, takes the step
// computation, the JSON encoding and their garbage off the per-frame path.
// What is left per frame is the write itself.

import (
	"bytes"
	"crypto/sha256"
	"sync"
	"sync/atomic"
)

const (
	// maxSharedSteps is the longest animation whose steps are shared; the
	// table of a shared animation costs 8 bytes a step even when empty (and
	// is charged to the byte budget).
	maxSharedSteps = 8192
	// defaultFrameCacheBytes bounds the encoded steps held by all shared
	// animations together. When it is spent, further steps are encoded per
	// stream as before; nothing waits and nothing is evicted.
	defaultFrameCacheBytes = 32 << 20
)

// animFrameKey identifies an animation by the hash of its meta message
// encoded without the player settings (fps, paused): the meta carries
// everything the steps are computed from.
type animFrameKey [sha256.Size]byte

// sharedFrames holds the encoded steps of one animation while any stream
// plays it.
type sharedFrames struct {
	key   animFrameKey
	steps []atomic.Pointer[[]byte]
	// refs counts the streams holding these frames; guarded by
	// frameCache.mu.
	refs int
	// held is the bytes of steps stored here, given back on release.
	held atomic.Int64
}

// frameCache is the animator's table of shared animations. Its memory is
// bounded by maxBytes for the stored steps and the tables that index them,
// plus a small entry per distinct animation being played.
type frameCache struct {
	maxBytes int64
	used     atomic.Int64

	mu    sync.Mutex
	byKey map[animFrameKey]*sharedFrames
}

func newFrameCache(maxBytes int64) *frameCache {
	return &frameCache{maxBytes: maxBytes, byKey: make(map[animFrameKey]*sharedFrames)}
}

// acquire returns the shared frames of the animation with this key and n
// steps, creating them if no stream plays it yet, or nil when the
// animation is too long to share.
func (fc *frameCache) acquire(key animFrameKey, n int) *sharedFrames {
	if n > maxSharedSteps {
		return nil
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	f := fc.byKey[key]
	if f == nil {
		// The table counts against the byte budget too, so that many
		// distinct long animations cannot hold more than it.
		table := int64(n) * 8
		if fc.used.Add(table) > fc.maxBytes {
			fc.used.Add(-table)
			return nil
		}
		f = &sharedFrames{key: key, steps: make([]atomic.Pointer[[]byte], n)}
		f.held.Add(table)
		fc.byKey[key] = f
	}
	f.refs++
	return f
}

// release drops one stream's hold; the last one out frees the frames.
func (fc *frameCache) release(f *sharedFrames) {
	if f == nil {
		return
	}
	fc.mu.Lock()
	f.refs--
	last := f.refs == 0
	if last {
		delete(fc.byKey, f.key)
	}
	fc.mu.Unlock()
	if last {
		fc.used.Add(-f.held.Load())
	}
}

// store keeps a copy of step i's encoding if the byte budget allows. Two
// streams may encode the same step at once;
// the first store wins and the other's bytes are given back.
func (fc *frameCache) store(f *sharedFrames, i int, encoded []byte) {
	n := int64(len(encoded))
	if fc.used.Add(n) > fc.maxBytes {
		fc.used.Add(-n)
		return
	}
	b := append([]byte(nil), encoded...)
	if !f.steps[i].CompareAndSwap(nil, &b) {
		fc.used.Add(-n)
		return
	}
	f.held.Add(n)
}

// animFrameKeyOf hashes an encoded meta message up to its player settings.
// "fps" and "paused" are its last two fields (animMetaMessage's order), and
// the text `,"fps":` cannot occur earlier: inside the label string its
// quotes would be escaped, and the other fields are numbers and names.
func animFrameKeyOf(meta []byte) animFrameKey {
	if i := bytes.LastIndex(meta, []byte(`,"fps":`)); i >= 0 {
		meta = meta[:i]
	}
	return sha256.Sum256(meta)
}

// step returns the stored encoding of step i, or nil.
func (f *sharedFrames) step(i int) []byte {
	if f == nil {
		return nil
	}
	if p := f.steps[i].Load(); p != nil {
		return *p
	}
	return nil
}
