package backend

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
)

// A warm standby is a Python interpreter that has already imported the
// framework (fastapi, pydantic, starlette, uvicorn) and waits on stdin.
// A reload then only pays for importing the app itself: the activation
// line carries the uvicorn arguments and the environment to add, and the
// standby runs uvicorn's own command-line entry point with them, so every
// uvicorn flag means what it means on the command line.
//
// The standby also watches stdin after activation: when farm-lsp goes
// away (even by a crash) the pipe closes and the backend terminates
// itself, so no orphan is left serving.
const bootstrap = `
import json, os, signal, sys, threading
for _m in ("fastapi", "fastapi.routing", "fastapi.openapi.utils", "pydantic",
           "starlette.routing", "uvicorn.protocols.http.auto",
           "uvicorn.protocols.websockets.auto", "uvicorn.lifespan.on",
           "uvicorn.loops.auto", "uvicorn.middleware.proxy_headers", "asyncio"):
    try:
        __import__(_m)
    except Exception:
        pass
from uvicorn.main import main as _uvicorn_main
sys.stderr.write("farm-lsp: standby ready\n")
sys.stderr.flush()
_line = sys.stdin.readline()
if not _line:
    sys.exit(0)
_msg = json.loads(_line)
os.environ.update(_msg.get("env") or {})
def _watch():
    try:
        while sys.stdin.read(4096):
            pass
    finally:
        os.kill(os.getpid(), signal.SIGTERM)
threading.Thread(target=_watch, daemon=True).start()
if sys.path and sys.path[0] == "":
    sys.path[0] = os.getcwd()  # what "python -m" puts first
sys.argv = ["uvicorn"] + _msg["args"]
_uvicorn_main.main(args=_msg["args"], prog_name="uvicorn")
`

// standbyReady is the line a standby prints once its imports are done.
const standbyReady = "farm-lsp: standby ready"

// standbyArgs returns the interpreter argv for a standby and whether the
// command is the `<python> -m uvicorn …` form that standbys can serve.
func standbyArgs(command []string) ([]string, bool) {
	if len(command) < 4 || command[1] != "-m" || command[2] != "uvicorn" {
		return nil, false
	}
	if !strings.HasPrefix(filepath.Base(command[0]), "python") {
		return nil, false
	}
	return []string{command[0], "-c", bootstrap}, true
}

// activation is the line a standby reads to become a backend.
type activation struct {
	Args []string          `json:"args"` // uvicorn's arguments, placeholders filled
	Env  map[string]string `json:"env"`
}

func (a activation) line() ([]byte, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode standby activation: %w", err)
	}
	return append(b, '\n'), nil
}
