package backend

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// The test binary doubles as a generic (non-Python) backend: with
// FARM_TEST_BACKEND set it serves on $PORT instead of running tests.
//
//	ok        /health 200, /exit exits 7, /ws echoes, /slow?ms=N prints "slow-start" and
//	          answers after N ms
//	unhealthy /health 503 forever
//	late      /health 503 for the first 400 ms, then like ok
//	crash     exits 3 at once without a traceback
//	nostandby like ok, but exits 1 when run as a standby (-c bootstrap)
//	child     like ok, and starts `sleep 300` in its process group,
//	          printing "child-pid N" on stdout
func TestMain(m *testing.M) {
	if mode := os.Getenv("FARM_TEST_BACKEND"); mode != "" {
		os.Exit(testBackend(mode))
	}
	os.Exit(m.Run())
}

func testBackend(mode string) int {
	if mode == "crash" {
		fmt.Fprintln(os.Stderr, "fatal: cannot start")
		return 3
	}
	if mode == "nostandby" && len(os.Args) > 1 && os.Args[1] == "-c" {
		fmt.Fprintln(os.Stderr, "/usr/bin/python3: No module named uvicorn")
		return 1
	}
	if mode == "child" {
		c := exec.Command("sleep", "300")
		if err := c.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Printf("child-pid %d\n", c.Process.Pid)
	}
	began := time.Now()
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		if mode == "unhealthy" || mode == "late" && time.Since(began) < 400*time.Millisecond {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "pid %d", os.Getpid())
	})
	mux.HandleFunc("/exit", func(w http.ResponseWriter, r *http.Request) {
		os.Exit(7)
	})
	mux.HandleFunc("/pid", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d", os.Getpid())
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		fmt.Println("slow-start")
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		fmt.Fprintf(w, "slow from %d", os.Getpid())
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			if err := c.Write(context.Background(), typ, append([]byte("echo:"), b...)); err != nil {
				return
			}
		}
	})
	srv := &http.Server{Addr: "127.0.0.1:" + os.Getenv("PORT"), Handler: mux}
	fmt.Println("serving")
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
