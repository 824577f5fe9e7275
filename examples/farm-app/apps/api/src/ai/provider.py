"""AI provider access: Ollama by default, chosen by farm.config.ts (ai.providers)."""

import json
import os
import urllib.request
from typing import Dict, List, Protocol

OLLAMA_URL = os.environ.get("OLLAMA_URL", "http://127.0.0.1:11434")
DEFAULT_MODEL = os.environ.get("FARM_AI_MODEL", "llama3.1")


class Provider(Protocol):
    async def chat(self, messages: List[Dict[str, str]], model: str, temperature: float) -> str:
        ...


class OllamaProvider:
    """Talks to a local Ollama server over its HTTP API."""

    def __init__(self, url: str = OLLAMA_URL) -> None:
        self.url = url.rstrip("/")

    async def chat(self, messages: List[Dict[str, str]], model: str = DEFAULT_MODEL, temperature: float = 0.7) -> str:
        body = json.dumps(
            {
                "model": model,
                "messages": messages,
                "stream": False,
                "options": {"temperature": temperature},
            }
        ).encode()
        req = urllib.request.Request(
            self.url + "/api/chat", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=120) as resp:
            return json.load(resp)["message"]["content"]


_PROVIDERS: Dict[str, Provider] = {"ollama": OllamaProvider()}


def get_provider(name: str = "ollama") -> Provider:
    try:
        return _PROVIDERS[name]
    except KeyError as exc:
        raise ValueError(f"unknown AI provider {name!r}") from exc
