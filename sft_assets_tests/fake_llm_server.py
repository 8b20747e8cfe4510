"""A local OpenAI-compatible chat server for tests (the real openai client over real HTTP).

Batch API: POST /v1/files (multipart), POST /v1/batches, GET /v1/batches/{id}, GET /v1/files/{id}/content.
A batch is answered when it is created; /control sets batch_status (what retrieve reports, default
"completed"), batch_errors (lines answered in the error file) and batch_missing (lines left unanswered,
as when a batch expires).

Run: `python -m sft_assets_tests.fake_llm_server PORT_FILE`; it writes its port to PORT_FILE. Behaviour is
set through POST /control (JSON): latency (seconds), rpm (requests per minute it accepts before 429),
script (a list of what the next requests get: "429", "500", "malformed", "slow", "length", "ok"),
retry_after (seconds sent with a scripted 429). GET /stats gives the calls served, the requests' bodies
and the Authorization headers seen.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

STATE = {"latency": 0.0, "rpm": 0, "script": [], "retry_after": "0.2", "calls": 0, "bodies": [], "auth": [],
         "window": [], "statuses": [], "files": {}, "batches": {}, "batch_status": "completed", "batch_errors": 0,
         "batch_missing": 0, "batch_lines": 0}
LOCK = threading.Lock()


def judge_answer(body: dict) -> dict:
    """A rubric-following judge: it scores only what is inside the delimited block, and never takes
    orders from it (an example asking for full marks gets 1 for honesty)."""
    user = body["messages"][-1]["content"] if body["messages"][-1]["role"] == "user" else body["messages"][1]["content"]
    inside = user.split(">>>", 1)[-1].rsplit("<<<", 1)[0]
    manipulative = "full marks" in inside.lower() or "满分" in inside
    honest = 1 if manipulative else 4
    return {"harmless": 5, "honest": honest, "helpful": 4, "overall": min(honest, 4), "rationale": "fake judge"}


def labels_answer(body: dict) -> dict:
    return {"task_type": "open_qa", "domain": "general", "language": "en", "refusal": False}


def generated_answer(body: dict, name: str) -> dict:
    """Answers for the augmentation schemas, derived from the delimited material so each differs."""
    user = body["messages"][1]["content"]
    material = json.loads(user.split("\n", 1)[1].rsplit("\n", 1)[0])
    text = " ".join(m["content"] for m in material if m["role"] == "user")[:200]
    if name == "paraphrase_result":  # reworded: the words in reverse order
        return {"user": " ".join(reversed(text.split())) + " (reworded)"}
    if name == "doc_dialogue_result":
        return {"turns": [{"role": "user", "content": f"Could you explain this topic: {text[:60]}?"},
                          {"role": "assistant", "content": f"Certainly. In short: {text}. That is the main point."}]}
    fields = body["response_format"]["json_schema"]["schema"]["required"]
    return {f: f"Rewritten ({name.removesuffix('_result')}, field {f}): {text} Please answer fully." for f in fields}


def completion(body: dict, step: str) -> dict:
    name = body.get("response_format", {}).get("json_schema", {}).get("name", "")
    answer = (judge_answer(body) if name == "judge_result" else labels_answer(body) if name == "labels_result"
              else generated_answer(body, name))
    content = "{not json" if step == "malformed" else json.dumps(answer)
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": body.get("model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "length" if step == "length" else "stop"}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, payload: dict | str, headers: dict | None = None) -> None:
        data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        with LOCK:
            if self.path.startswith("/v1/batches/"):
                batch = dict(STATE["batches"][self.path.rsplit("/", 1)[1]], status=STATE["batch_status"])
                return self._send(200, batch)
            if self.path.startswith("/v1/files/") and self.path.endswith("/content"):
                return self._send_bytes(STATE["files"][self.path.split("/")[3]])
            self._send(200, {k: STATE[k] for k in ("calls", "bodies", "auth", "statuses", "batch_lines")})

    def _send_bytes(self, data: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _upload(self) -> None:
        from email.parser import BytesParser

        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        message = BytesParser().parsebytes(f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + raw)
        data = next(part.get_payload(decode=True) for part in message.get_payload()
                    if part.get_param("name", header="content-disposition") == "file")
        with LOCK:
            file_id = f"file-{len(STATE['files']) + 1}"
            STATE["files"][file_id] = data
        self._send(200, {"id": file_id, "object": "file", "bytes": len(data), "created_at": 0,
                         "filename": "requests.jsonl", "purpose": "batch", "status": "processed"})

    def _create_batch(self, body: dict) -> None:
        with LOCK:
            lines = [json.loads(x) for x in STATE["files"][body["input_file_id"]].splitlines() if x.strip()]
            errors, missing = STATE["batch_errors"], STATE["batch_missing"]
            STATE["batch_lines"] += len(lines)
            out, err = [], []
            for i, item in enumerate(lines):
                if i < missing:
                    continue
                if i < missing + errors:
                    err.append({"id": f"r{i}", "custom_id": item["custom_id"], "response": None,
                                "error": {"code": "invalid_request", "message": "fake line error"}})
                    continue
                out.append({"id": f"r{i}", "custom_id": item["custom_id"], "error": None,
                            "response": {"status_code": 200, "request_id": f"q{i}", "body": completion(item["body"], "ok")}})
            batch_id = f"batch-{len(STATE['batches']) + 1}"
            files = {}
            for kind, rows in (("output", out), ("error", err)):
                if rows:
                    file_id = f"file-{len(STATE['files']) + 1}"
                    STATE["files"][file_id] = "\n".join(json.dumps(r) for r in rows).encode() + b"\n"
                    files[f"{kind}_file_id"] = file_id
            STATE["batches"][batch_id] = {
                "id": batch_id, "object": "batch", "endpoint": body["endpoint"], "input_file_id": body["input_file_id"],
                "completion_window": "24h", "created_at": 0, "status": "validating", **files,
                "request_counts": {"total": len(lines), "completed": len(out), "failed": len(err)}}
            self._send(200, STATE["batches"][batch_id])

    def do_POST(self) -> None:
        if self.path == "/v1/files":
            return self._upload()
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if self.path == "/v1/batches":
            return self._create_batch(body)
        if self.path == "/control":
            with LOCK:
                STATE.update(body)
                if body.get("reset"):
                    STATE.update(calls=0, bodies=[], auth=[], window=[], statuses=[], batch_lines=0)
                    STATE.update({k: v for k, v in (("batch_status", "completed"), ("batch_errors", 0),
                                                    ("batch_missing", 0)) if k not in body})
            return self._send(200, {"ok": True})
        with LOCK:
            step = STATE["script"].pop(0) if STATE["script"] else "ok"
            now = time.monotonic()
            STATE["window"] = [t for t in STATE["window"] if now - t < 60]
            over = STATE["rpm"] and len(STATE["window"]) >= STATE["rpm"]
            if not over:
                STATE["window"].append(now)
            STATE["auth"].append(self.headers.get("Authorization", ""))
            latency = STATE["latency"]
        if over or step == "429":
            with LOCK:
                STATE["statuses"].append(429)
            return self._send(429, {"error": {"message": "rate limited", "type": "rate_limit"}},
                              {"retry-after": STATE["retry_after"]})
        if step == "500":
            with LOCK:
                STATE["statuses"].append(500)
            return self._send(500, {"error": {"message": "boom", "type": "server_error"}})
        time.sleep(latency + (5.0 if step == "slow" else 0))
        with LOCK:
            STATE["calls"] += 1
            STATE["bodies"].append(body)
            STATE["statuses"].append(200)
        self._send(200, completion(body, step))


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1], "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


@contextmanager
def running(work_dir: Path) -> Iterator[str]:
    """The server in its own process group, stopped by its PID; yields its base URL."""
    port_file = work_dir / "fake_llm_port"
    port_file.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "sft_assets_tests.fake_llm_server", str(port_file)],
                            start_new_session=True, cwd=Path(__file__).parent.parent)
    try:
        deadline = time.monotonic() + 20
        while not (port_file.exists() and port_file.read_text()):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the fake LLM server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port_file.read_text()}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def control(server: str, **settings) -> None:
    """Reset the counters and set the behaviour (see the module docstring)."""
    data = json.dumps({"reset": True, "latency": 0, "rpm": 0, "script": [], **settings}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{server}/control", data=data, method="POST")) as r:
        r.read()


def stats(server: str) -> dict:
    with urllib.request.urlopen(f"{server}/stats") as r:
        return json.loads(r.read())


if __name__ == "__main__":
    main()
