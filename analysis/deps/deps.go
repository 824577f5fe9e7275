// Package deps records which files' results read which keys, so that a
// change to a key redoes only the files that read it (the incremental
// import graph and model resolution use it). A pair (file, key) costs a
// few words: keys are numbered once, and each key's readers are a slice
// with the position of every file in it remembered, so forgetting a
// file's reads is linear in their number, not in how many files read the
// same key.
package deps

// Index maps keys to the files that read them. The zero value is not
// usable; call New. Not safe for concurrent use.
type Index[K comparable] struct {
	ids   map[K]int32
	keys  []K       // by key id
	users [][]int32 // by key id: the ids of the files that read it
	free  []int32   // key ids nobody reads any more
	fids  map[string]int32
	files []string // by file id
	reads [][]read // by file id
	freeF []int32  // unused file ids
}

// read is one key a file read and the file's position among its readers.
type read struct{ id, pos int32 }

// New returns an empty index.
func New[K comparable]() *Index[K] {
	return &Index[K]{ids: map[K]int32{}, fids: map[string]int32{}}
}

// Set replaces what file read with keys (which must hold no duplicates).
func (x *Index[K]) Set(file string, keys []K) {
	x.Drop(file)
	if len(keys) == 0 {
		return
	}
	var fid int32
	if n := len(x.freeF); n > 0 {
		fid, x.freeF = x.freeF[n-1], x.freeF[:n-1]
		x.files[fid] = file
	} else {
		fid = int32(len(x.files))
		x.files = append(x.files, file)
		x.reads = append(x.reads, nil)
	}
	x.fids[file] = fid
	rs := make([]read, len(keys))
	for i, k := range keys {
		id, ok := x.ids[k]
		if !ok {
			if n := len(x.free); n > 0 {
				id, x.free = x.free[n-1], x.free[:n-1]
				x.keys[id] = k
			} else {
				id = int32(len(x.keys))
				x.keys = append(x.keys, k)
				x.users = append(x.users, nil)
			}
			x.ids[k] = id
		}
		rs[i] = read{id, int32(len(x.users[id]))}
		x.users[id] = append(x.users[id], fid)
	}
	x.reads[fid] = rs
}

// Drop forgets what file read.
func (x *Index[K]) Drop(file string) {
	fid, ok := x.fids[file]
	if !ok {
		return
	}
	for _, r := range x.reads[fid] {
		list := x.users[r.id]
		last := len(list) - 1
		if moved := list[last]; int(r.pos) != last {
			list[r.pos] = moved
			// The moved file's record of this key now points at pos.
			for j, mr := range x.reads[moved] {
				if mr.id == r.id {
					x.reads[moved][j].pos = r.pos
					break
				}
			}
		}
		x.users[r.id] = list[:last]
		if last == 0 {
			var zero K
			delete(x.ids, x.keys[r.id])
			x.keys[r.id] = zero
			x.users[r.id] = nil
			x.free = append(x.free, r.id)
		}
	}
	delete(x.fids, file)
	x.files[fid], x.reads[fid] = "", nil
	x.freeF = append(x.freeF, fid)
}

// Users calls f with every file that read k.
func (x *Index[K]) Users(k K, f func(file string)) {
	id, ok := x.ids[k]
	if !ok {
		return
	}
	for _, u := range x.users[id] {
		f(x.files[u])
	}
}

// Len is the number of keys read by some file.
func (x *Index[K]) Len() int { return len(x.ids) }
