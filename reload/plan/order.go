package plan

import (
	"errors"
	"fmt"
	"strings"
)

// ErrCycle is wrapped by the error Order returns when tasks depend on each
// other in a cycle.
var ErrCycle = errors.New("dependency cycle")

// Order returns the tasks in an order where every task comes after the
// tasks it depends on. Among tasks that are ready at the same time the one
// with the lowest Priority goes first, then the one that came first in
// tasks, so the order is stable and deterministic.
//
// Dependencies naming a task that is not in tasks count as already
// satisfied: a retry of some tasks of an earlier plan orders correctly.
// A duplicate task ID is an error; a cycle is an error wrapping ErrCycle
// that names the tasks in the cycle ("dependency cycle: t1 → t2 → t1").
// The input slice is not modified.
func Order(tasks []Task) ([]Task, error) {
	n := len(tasks)
	idx := make(map[string]int, n)
	for i, t := range tasks {
		if _, dup := idx[t.ID]; dup {
			return nil, fmt.Errorf("plan: duplicate task id %q", t.ID)
		}
		idx[t.ID] = i
	}
	indeg := make([]int, n)
	children := make([][]int, n)
	for i, t := range tasks {
		seen := make(map[int]bool, len(t.DependsOn))
		for _, d := range t.DependsOn {
			j, ok := idx[d]
			if !ok || seen[j] {
				continue
			}
			seen[j] = true
			indeg[i]++
			children[j] = append(children[j], i)
		}
	}
	done := make([]bool, n)
	out := make([]Task, 0, n)
	for len(out) < n {
		best := -1
		for i := range tasks {
			if done[i] || indeg[i] > 0 {
				continue
			}
			if best < 0 || tasks[i].Priority < tasks[best].Priority {
				best = i
			}
		}
		if best < 0 {
			return nil, fmt.Errorf("plan: %w: %s", ErrCycle, cyclePath(tasks, idx, done))
		}
		done[best] = true
		out = append(out, tasks[best])
		for _, c := range children[best] {
			indeg[c]--
		}
	}
	return out, nil
}

// cyclePath finds one cycle among the tasks not yet ordered and renders it
// as "a → b → a". Every remaining task has a remaining dependency, so
// walking dependencies from any of them must revisit a task.
func cyclePath(tasks []Task, idx map[string]int, done []bool) string {
	start := -1
	for i := range tasks {
		if !done[i] {
			start = i
			break
		}
	}
	pos := map[int]int{}
	var path []int
	cur := start
	for {
		if p, seen := pos[cur]; seen {
			ids := make([]string, 0, len(path)-p+1)
			for _, i := range path[p:] {
				ids = append(ids, tasks[i].ID)
			}
			ids = append(ids, tasks[cur].ID)
			return strings.Join(ids, " → ")
		}
		pos[cur] = len(path)
		path = append(path, cur)
		next := -1
		for _, d := range tasks[cur].DependsOn {
			if j, ok := idx[d]; ok && !done[j] {
				next = j
				break
			}
		}
		if next < 0 { // cannot happen when called after Kahn's loop stalls
			return tasks[cur].ID
		}
		cur = next
	}
}
