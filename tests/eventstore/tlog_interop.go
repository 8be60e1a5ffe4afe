// tlog_interop checks a running daisd's transparency log with Go's own
// implementation (golang.org/x/mod/sumdb/note and sumdb/tlog, from Debian's
// golang-golang-x-mod-dev), which nobody on the DAIS project wrote:
//   - GET /checkpoint verifies as a signed note under the given verifier key;
//   - the entries (entry bundles under /tile/entries/) hash, by tlog's
//     RecordHash/StoredHashes, to the checkpoint's root;
//   - the hash tiles under /tile/8/ authenticate against the checkpoint
//     (tlog.TileHashReader) and prove every record (ProveRecord/CheckRecord);
//   - the JSON proofs of /v1/proof/inclusion and /v1/proof/consistency pass
//     tlog.CheckRecord and tlog.CheckTree;
//   - a tampered note, tile, entry or proof is rejected.
// Usage: tlog_interop -url http://127.0.0.1:PORT -key VERIFIERKEY
// Prints one line per check and "N passed, N failed"; exits 1 on any failure.
package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var base string
var passed, failed int

func check(name string, err error) {
	if err != nil {
		failed++
		fmt.Printf("FAIL %s: %v\n", name, err)
		return
	}
	passed++
	fmt.Printf("ok   %s\n", name)
}

func get(path string) ([]byte, error) {
	resp, err := http.Get(base + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body, nil
}

// tileReader fetches hash tiles over HTTP (each once: tiles are immutable); corrupt, when set,
// flips a byte of the first tile read.
type tileReader struct {
	corrupt bool
	cache   map[string][]byte
}

func (r *tileReader) Height() int { return 8 }
func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, ok := r.cache[t.Path()]
		if !ok {
			var err error
			if data, err = get("/" + t.Path()); err != nil {
				return nil, err
			}
			if r.cache == nil {
				r.cache = map[string][]byte{}
			}
			r.cache[t.Path()] = data
		}
		data = append([]byte{}, data...)
		if r.corrupt && i == 0 {
			data[0] ^= 1
		}
		out[i] = data
	}
	return out, nil
}
func (r *tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

func parseCheckpoint(text string) (string, tlog.Tree, error) {
	lines := strings.Split(text, "\n")
	if len(lines) < 4 {
		return "", tlog.Tree{}, errors.New("checkpoint has fewer than three lines")
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return "", tlog.Tree{}, err
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return "", tlog.Tree{}, fmt.Errorf("bad root line %q", lines[2])
	}
	var h tlog.Hash
	copy(h[:], root)
	return lines[0], tlog.Tree{N: n, Hash: h}, nil
}

// entries reads records [0, n) from the entry bundles (big-endian uint16 length + bytes).
func entries(n int64) ([][]byte, error) {
	var out [][]byte
	for start := int64(0); start < n; start += 256 {
		w := n - start
		t := tlog.Tile{H: 8, L: 0, N: start / 256, W: 256}
		if w < 256 {
			t.W = int(w)
		}
		path := strings.Replace(t.Path(), "tile/8/0/", "tile/entries/", 1)
		data, err := get("/" + path)
		if err != nil {
			return nil, err
		}
		for i := 0; i < t.W; i++ {
			if len(data) < 2 {
				return nil, fmt.Errorf("%s: bundle ends early", path)
			}
			size := int(data[0])<<8 | int(data[1])
			if len(data) < 2+size {
				return nil, fmt.Errorf("%s: bundle ends early", path)
			}
			out = append(out, data[2:2+size])
			data = data[2+size:]
		}
		if len(data) != 0 {
			return nil, fmt.Errorf("%s: %d bytes after the last entry", path, len(data))
		}
	}
	return out, nil
}

func hashes(list []string) ([]tlog.Hash, error) {
	var out []tlog.Hash
	for _, s := range list {
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != tlog.HashSize {
			return nil, fmt.Errorf("bad hash %q", s)
		}
		var h tlog.Hash
		copy(h[:], b)
		out = append(out, h)
	}
	return out, nil
}

func expectError(err error) error {
	if err == nil {
		return errors.New("accepted")
	}
	return nil
}

func main() {
	flag.StringVar(&base, "url", "", "base URL of daisd")
	key := flag.String("key", "", "verifier key (daisd --print-verifier-key)")
	flag.Parse()
	if base == "" || *key == "" {
		fmt.Fprintln(os.Stderr, "usage: tlog_interop -url http://HOST:PORT -key VERIFIERKEY")
		os.Exit(2)
	}
	verifier, err := note.NewVerifier(*key)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad verifier key:", err)
		os.Exit(2)
	}
	verifiers := note.VerifierList(verifier)

	msg, err := get("/checkpoint")
	if err != nil {
		check("fetch /checkpoint", err)
		os.Exit(1)
	}
	n, err := note.Open(msg, verifiers)
	check("note.Open verifies the checkpoint signature", err)
	if err != nil {
		os.Exit(1)
	}
	origin, tree, err := parseCheckpoint(n.Text)
	check("checkpoint text parses", err)
	if err != nil || tree.N < 2 {
		fmt.Printf("tree too small (%d)\n", tree.N)
		os.Exit(1)
	}
	check("origin names the key", func() error {
		if origin != verifier.Name() {
			return fmt.Errorf("origin %q, key %q", origin, verifier.Name())
		}
		return nil
	}())

	tampered := append([]byte{}, msg...)
	tampered[len(origin)+1] ^= 1 // a digit of the size
	_, err = note.Open(tampered, verifiers)
	check("a tampered checkpoint is rejected by note.Open", expectError(err))

	records, err := entries(tree.N)
	check(fmt.Sprintf("entry bundles hold %d records", tree.N), err)
	if err != nil {
		os.Exit(1)
	}
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, rec := range records {
		hs, err := tlog.StoredHashes(int64(i), rec, reader)
		if err != nil {
			check("StoredHashes", err)
			os.Exit(1)
		}
		stored = append(stored, hs...)
	}
	root, err := tlog.TreeHash(tree.N, reader)
	check("tlog.TreeHash of the entries equals the checkpoint root", func() error {
		if err != nil {
			return err
		}
		if root != tree.Hash {
			return fmt.Errorf("entries give %v, checkpoint says %v", root, tree.Hash)
		}
		return nil
	}())

	changed := append([]byte{}, records[1]...)
	changed[len(changed)-2] ^= 1
	check("a tampered entry fails CheckRecord", func() error {
		thr := tlog.TileHashReader(tree, &tileReader{})
		p, err := tlog.ProveRecord(tree.N, 1, thr)
		if err != nil {
			return err
		}
		return expectError(tlog.CheckRecord(p, tree.N, tree.Hash, 1, tlog.RecordHash(changed)))
	}())

	thr := tlog.TileHashReader(tree, &tileReader{})
	th, err := tlog.TreeHash(tree.N, thr)
	check("hash tiles authenticate against the checkpoint (TileHashReader)", func() error {
		if err != nil {
			return err
		}
		if th != tree.Hash {
			return errors.New("tiles give another root")
		}
		return nil
	}())
	var recordErr error
	for i := int64(0); i < tree.N && recordErr == nil; i++ {
		p, err := tlog.ProveRecord(tree.N, i, thr)
		if err != nil {
			recordErr = err
			break
		}
		recordErr = tlog.CheckRecord(p, tree.N, tree.Hash, i, tlog.RecordHash(records[i]))
	}
	check(fmt.Sprintf("every one of %d records is proven from the tiles (ProveRecord/CheckRecord)", tree.N), recordErr)
	_, err = tlog.TreeHash(tree.N, tlog.TileHashReader(tree, &tileReader{corrupt: true}))
	check("a tampered hash tile is rejected by TileHashReader", expectError(err))

	for _, seq := range []int64{0, tree.N / 3, tree.N - 1} {
		body, err := get(fmt.Sprintf("/v1/proof/inclusion?seq=%d&size=%d", seq, tree.N))
		check(fmt.Sprintf("/v1/proof/inclusion seq=%d passes CheckRecord", seq), func() error {
			if err != nil {
				return err
			}
			var r struct{ Proof []string }
			if err := json.Unmarshal(body, &r); err != nil {
				return err
			}
			p, err := hashes(r.Proof)
			if err != nil {
				return err
			}
			if err := tlog.CheckRecord(p, tree.N, tree.Hash, seq, tlog.RecordHash(records[seq])); err != nil {
				return err
			}
			if len(p) > 0 {
				p[0][0] ^= 1
				return expectError(tlog.CheckRecord(p, tree.N, tree.Hash, seq, tlog.RecordHash(records[seq])))
			}
			return nil
		}())
	}
	for _, from := range []int64{1, tree.N / 2, tree.N - 1} {
		body, err := get(fmt.Sprintf("/v1/proof/consistency?from=%d&to=%d", from, tree.N))
		check(fmt.Sprintf("/v1/proof/consistency from=%d passes CheckTree", from), func() error {
			if err != nil {
				return err
			}
			var r struct{ Proof []string }
			if err := json.Unmarshal(body, &r); err != nil {
				return err
			}
			p, err := hashes(r.Proof)
			if err != nil {
				return err
			}
			old, err := tlog.TreeHash(from, reader)
			if err != nil {
				return err
			}
			if err := tlog.CheckTree(p, tree.N, tree.Hash, from, old); err != nil {
				return err
			}
			old[0] ^= 1
			return expectError(tlog.CheckTree(p, tree.N, tree.Hash, from, old))
		}())
	}

	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
