"""A local Lambda service: warm execution environments that run AWS's runtime interface client.

Each execution environment is one worker process running `python -m awslambdaric <handler>` with the
function's code, its layers and a stand-in for Lambda's /var/runtime (boto3 and the RIC) on its path,
the function's environment, and the Lambda Runtime API served by this module on a loopback port. So
the handler runs exactly as on Lambda: awslambdaric imports it, builds the context, serialises the
result and reports errors. Environments stay warm between invocations; one handles one invocation at
a time, and more are started up to the function's concurrency, past which invocations are throttled.
A handler that exits or outlives its timeout gets Lambda's error for it, and its environment is
replaced.

Logs as Lambda writes them: each environment's stdout and stderr go to a file of its own
(<state-dir>/logs/<function>/<stream>.log); after each invocation its new lines, between Lambda's
START, END and REPORT lines, are handed to the service's log sink (the endpoint's puts them into the
function's CloudWatch Logs group, one stream per environment, named as Lambda names them) and come
back with the result (for `LogType=Tail`)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

RUNTIME_API = "/2018-06-01/runtime"
WORKER_DIR = Path(__file__).resolve().parent / "worker"  # fault_context_runtime
DEFAULT_CONCURRENCY = 10
# Lambda allows 10 s of init; here many environments may start at once on two cores, so allow more.
INIT_TIMEOUT_SECONDS = 60
TAIL_BYTES = 4096  # LogType=Tail: the last 4 KB of the invocation's log

LogEvent = tuple[int, str]  # (timestamp in ms, message), as CloudWatch Logs stores them
# (function, log stream, one invocation's events): where the service sends each invocation's log lines.
LogSink = Callable[["FunctionConfig", str, list[LogEvent]], None]


@dataclass(frozen=True)
class FunctionConfig:
    name: str
    arn: str
    region: str
    handler: str
    timeout: float
    memory_mb: int
    environment: dict[str, str]
    code: bytes
    layers: tuple[bytes, ...]
    concurrency: int = DEFAULT_CONCURRENCY
    role: str = ""  # the execution role, whose credentials the environment gets (Identity)
    kms_key_arn: str | None = None  # the key its environment is encrypted with, if a customer managed one

    @property
    def revision(self) -> str:
        """Changes whenever code, layers or configuration change: a new revision gets new environments."""
        digest = hashlib.sha256(self.code)
        for layer in self.layers:
            digest.update(hashlib.sha256(layer).digest())
        digest.update(json.dumps([self.handler, self.timeout, self.memory_mb, self.environment], sort_keys=True).encode())
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class InvokeResult:
    status: int
    headers: dict[str, str]
    body: bytes
    log: str = ""  # the invocation's log, START to REPORT

    def log_tail(self) -> str:
        """What Lambda returns as X-Amz-Log-Result for LogType=Tail: base64 of the log's last 4 KB."""
        return base64.b64encode(self.log.encode()[-TAIL_BYTES:]).decode()


class Throttled(Exception):
    pass


class InvokeRefused(Exception):
    """An environment that cannot start (its role cannot be assumed, its environment not decrypted): Lambda's error."""

    def __init__(self, result: InvokeResult) -> None:
        super().__init__(result.body.decode(errors="replace"))
        self.result = result


# What an execution environment runs as: its role's credentials as environment variables (or raises InvokeRefused).
Identity = Callable[["FunctionConfig"], dict[str, str]]
ENVIRONMENT_LIFETIME_SECONDS = 3000  # replaced before its role's session (an hour) expires


@dataclass
class _Invocation:
    request_id: str
    event: bytes
    deadline_ms: int | None = None  # set when the runtime takes it
    done: threading.Event = field(default_factory=threading.Event)
    payload: bytes = b""
    function_error: str | None = None
    started_ms: int | None = None  # when the runtime took it
    before: list[LogEvent] = field(default_factory=list)  # lines written before it was taken (init, stray threads)


@dataclass(frozen=True)
class Invoked:
    payload: bytes
    function_error: str | None
    log: list[LogEvent]  # INIT_START and init output (a cold start), START, the handler's lines, END, REPORT
    invocation_log: str  # START to REPORT: what LogType=Tail returns the end of


def _now_ms() -> int:
    return int(time.time() * 1000)


def _log_stream_name() -> str:
    """As Lambda names an execution environment's stream: YYYY/MM/DD/[$LATEST]<32 hex>."""
    return time.strftime("%Y/%m/%d", time.gmtime()) + f"/[$LATEST]{uuid.uuid4().hex}"


def _unpack(archive: bytes, directory: Path) -> Path:
    """Unpack once per content hash; a half-written directory is never visible."""
    if directory.is_dir():
        return directory
    scratch = directory.with_name(f"{directory.name}.{uuid.uuid4().hex}")
    with zipfile.ZipFile(io.BytesIO(archive)) as unzipped:
        unzipped.extractall(scratch)
    try:
        scratch.rename(directory)
    except OSError:  # another environment unpacked it first
        shutil.rmtree(scratch, ignore_errors=True)
    return directory


class ExecutionEnvironment:
    def __init__(self, config: FunctionConfig, *, state_dir: Path, runtime_dir: Path, runtime_env: dict[str, str]) -> None:
        self.started_at = time.monotonic()
        self.config = config
        self.init_error: bytes | None = None
        self.log_stream = _log_stream_name()
        self._spawned = time.monotonic()
        self._init_ms: float | None = None  # the cold start's init duration, reported with its first invocation
        self._invocations: queue.Queue[_Invocation] = queue.Queue()
        self._current: _Invocation | None = None
        self._api = ThreadingHTTPServer(("127.0.0.1", 0), _runtime_api_handler(self))
        self._api.daemon_threads = True
        threading.Thread(target=self._api.serve_forever, name=f"runtime-api-{config.name}", daemon=True).start()

        code = _unpack(config.code, state_dir / "code" / hashlib.sha256(config.code).hexdigest()[:16])
        layers = [_unpack(layer, state_dir / "layers" / hashlib.sha256(layer).hexdigest()[:16]) for layer in config.layers]
        path = [str(code), *(str(layer / "python") for layer in layers), str(runtime_dir), str(WORKER_DIR)]
        log_path = state_dir / "logs" / config.name / f"{self.log_stream.rsplit(']', 1)[1]}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("ab")
        self._log_reader = log_path.open("rb")  # the worker writes unbuffered: what it wrote before answering is there
        self._log_lock = threading.Lock()
        environment = {
            **config.environment,
            **runtime_env,
            # What Lambda sets for every function (these cannot be overridden there either).
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{self._api.server_address[1]}",
            "AWS_LAMBDA_FUNCTION_NAME": config.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "AWS_REGION": config.region,
            "AWS_DEFAULT_REGION": config.region,
            "LAMBDA_TASK_ROOT": str(code),
            "LAMBDA_RUNTIME_DIR": str(runtime_dir),
            "_HANDLER": config.handler,
            "PYTHONPATH": os.pathsep.join(path),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TZ": ":UTC",
        }
        # -S: no site-packages of the interpreter running this, only what Lambda would have on the path.
        self._process = subprocess.Popen(
            [sys.executable, "-S", "-m", "fault_context_runtime", config.handler],  # awslambdaric, plus faults.aws
            cwd=code,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    @property
    def fresh(self) -> bool:
        """Still within its credentials' lifetime: an older one is replaced, as Lambda recycles environments."""
        return time.monotonic() - self.started_at < ENVIRONMENT_LIFETIME_SECONDS

    def invoke(self, event: bytes, request_id: str | None = None) -> Invoked:
        invocation = _Invocation(request_id or str(uuid.uuid4()), event)
        self._invocations.put(invocation)
        payload, function_error, discard, status = self._outcome(invocation)
        log = self._invocation_log(invocation, payload if discard or not self.alive else None, status)
        if discard:
            self.close()  # Lambda discards an environment whose init or invocation timed out
        return Invoked(payload, function_error, log, "\n".join(message for _, message in log[len(invocation.before) :]) + "\n")

    def _outcome(self, invocation: _Invocation) -> tuple[bytes, str | None, bool, str | None]:
        """(payload, function error, whether to discard the environment, REPORT's status if not a normal end)."""
        request_id = invocation.request_id
        init_deadline = time.time() + INIT_TIMEOUT_SECONDS
        while not invocation.done.wait(0.02):
            if not self.alive:
                if self.init_error is not None:
                    return self.init_error, "Unhandled", False, "error"
                status = self._process.returncode
                message = f"RequestId: {request_id} Error: Runtime exited with error: exit status {status}"
                return (*_error("Runtime.ExitError", message), False, "error")
            # As on Lambda, the timeout runs from when the runtime takes the invocation: init does not count.
            if invocation.deadline_ms is None and time.time() > init_deadline:
                message = f"RequestId: {request_id} Error: init did not finish in {INIT_TIMEOUT_SECONDS}s"
                return (*_error("Runtime.InitError", message), True, "error")
            if invocation.deadline_ms is not None and time.time() * 1000 > invocation.deadline_ms:
                message = f"RequestId: {request_id} Error: Task timed out after {self.config.timeout:.2f} seconds"
                return (*_error("Sandbox.Timedout", message), True, "timeout")
        return invocation.payload, invocation.function_error, False, None

    def _drain(self, at_ms: int) -> list[LogEvent]:
        """The lines the worker wrote since the last drain, one event each (as Lambda splits stdout)."""
        with self._log_lock:
            if self._log_reader.closed:
                return []
            text = self._log_reader.read().decode(errors="replace")
        return [(at_ms, line) for line in text.rstrip("\n").split("\n")] if text.strip() else []

    def _invocation_log(self, invocation: _Invocation, error: bytes | None, status: str | None) -> list[LogEvent]:
        end_ms = _now_ms()
        started_ms = invocation.started_ms or end_ms
        request_id = invocation.request_id
        lines = [*invocation.before, (started_ms, f"START RequestId: {request_id} Version: $LATEST")]
        lines += self._drain(end_ms)
        if error is not None and status is not None:  # what the runtime could not write itself
            message = json.loads(error).get("errorMessage", "") if error.startswith(b"{") else error.decode(errors="replace")
            lines.append((end_ms, f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime())}.{end_ms % 1000:03d}Z {request_id} {message}"))
        duration = max(end_ms - started_ms, 0)
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\tBilled Duration: {max(math.ceil(duration), 1)} ms"
            f"\tMemory Size: {self.config.memory_mb} MB\tMax Memory Used: {self._max_memory_mb()} MB"
        )
        if self._init_ms is not None:
            report += f"\tInit Duration: {self._init_ms:.2f} ms"
            self._init_ms = None
        if status:
            report += f"\tStatus: {status}"
        return [*lines, (end_ms, f"END RequestId: {request_id}"), (end_ms, report)]

    def _max_memory_mb(self) -> int:
        """The worker's peak resident set, as REPORT's Max Memory Used."""
        try:
            for line in Path(f"/proc/{self._process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return math.ceil(int(line.split()[1]) / 1024)
        except OSError:
            pass
        return 0

    def close(self) -> None:
        if self._log.closed:
            return
        if self.alive:
            self._process.kill()
            self._process.wait()
        self._api.shutdown()
        self._api.server_close()
        self._log.close()
        with self._log_lock:
            self._log_reader.close()

    # -- the Runtime API, called from the worker -----------------------------------------------------
    def next_invocation(self) -> _Invocation:
        invocation = self._invocations.get()
        invocation.started_ms = _now_ms()
        if self._current is None:  # a cold start: Lambda's INIT_START, then what init wrote
            self._init_ms = (time.monotonic() - self._spawned) * 1000
            invocation.before.append((invocation.started_ms, "INIT_START Runtime Version: python:3.12\tRuntime Version ARN: local"))
        invocation.before += self._drain(invocation.started_ms)
        invocation.deadline_ms = int((time.time() + self.config.timeout) * 1000)
        self._current = invocation
        return invocation

    def finish(self, request_id: str, payload: bytes, function_error: str | None) -> bool:
        current = self._current
        if current is None or current.request_id != request_id:
            return False
        current.payload, current.function_error = payload, function_error
        current.done.set()
        return True


def _error(error_type: str, message: str) -> tuple[bytes, str]:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode(), "Unhandled"


def _runtime_api_handler(environment: ExecutionEnvironment) -> type[BaseHTTPRequestHandler]:
    class RuntimeApi(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # the worker's own log is what matters
            pass

        def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", "Content-Length": str(len(body)), **(headers or {})}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path != f"{RUNTIME_API}/invocation/next":
                return self._reply(404)
            invocation = environment.next_invocation()
            trace = f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"
            self._reply(
                200,
                invocation.event,
                {
                    "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": environment.config.arn,
                    "Lambda-Runtime-Trace-Id": trace,
                },
            )

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == f"{RUNTIME_API}/init/error":
                environment.init_error = body
                return self._reply(202, b'{"status":"OK"}')
            match = re.fullmatch(rf"{RUNTIME_API}/invocation/([^/]+)/(response|error)", self.path)
            if not match:
                return self._reply(404)
            known = environment.finish(match.group(1), body, "Unhandled" if match.group(2) == "error" else None)
            self._reply(202 if known else 400, b'{"status":"OK"}' if known else b'{"errorType":"InvalidRequestID"}')

    return RuntimeApi


class _Pool:
    def __init__(self, config: FunctionConfig, factory: Any) -> None:
        self.config = config
        self._factory = factory
        self._idle: list[ExecutionEnvironment] = []
        self._started: list[ExecutionEnvironment] = []
        self._busy = 0
        self._lock = threading.Lock()

    def acquire(self) -> ExecutionEnvironment:
        with self._lock:
            while self._idle:
                environment = self._idle.pop()
                if environment.alive and environment.fresh:
                    self._busy += 1
                    return environment
                environment.close()
            if self._busy >= self.config.concurrency:
                raise Throttled(self.config.name)
            self._busy += 1
        try:
            started: ExecutionEnvironment = self._factory(self.config)  # a cold start
        except BaseException:
            with self._lock:
                self._busy -= 1
            raise
        with self._lock:
            self._started.append(started)
        return started

    def release(self, environment: ExecutionEnvironment) -> None:
        with self._lock:
            self._busy -= 1
            if environment.alive:
                self._idle.append(environment)
            else:
                environment.close()

    def close(self) -> None:
        with self._lock:
            for environment in self._started:
                environment.close()
            self._idle.clear()
            self._started.clear()


class LocalLambdaService:
    def __init__(
        self,
        *,
        state_dir: Path,
        runtime_dir: Path,
        runtime_env: dict[str, str],
        log_sink: LogSink | None = None,
        identity: Identity | None = None,
    ) -> None:
        self.identity = identity
        self.state_dir = state_dir
        self.runtime_dir = runtime_dir
        self.runtime_env = runtime_env
        self.log_sink = log_sink
        self._pools: dict[str, _Pool] = {}
        self._lock = threading.Lock()

    def _pool(self, config: FunctionConfig) -> _Pool:
        with self._lock:
            pool = self._pools.get(config.arn)
            if pool is None or pool.config.revision != config.revision:
                if pool is not None:
                    pool.close()
                pool = self._pools[config.arn] = _Pool(config, self._new_environment)
            return pool

    def _new_environment(self, config: FunctionConfig) -> ExecutionEnvironment:
        credentials = self.identity(config) if self.identity else {}
        runtime_env = {**self.runtime_env, **credentials}
        return ExecutionEnvironment(config, state_dir=self.state_dir, runtime_dir=self.runtime_dir, runtime_env=runtime_env)

    def invoke(self, config: FunctionConfig, event: bytes) -> InvokeResult:
        request_id = str(uuid.uuid4())
        headers = {"Content-Type": "application/json", "x-amzn-RequestId": request_id, "X-Amz-Executed-Version": "$LATEST"}
        pool = self._pool(config)
        try:
            environment = pool.acquire()
        except InvokeRefused as refused:
            return InvokeResult(refused.result.status, {**headers, **refused.result.headers}, refused.result.body)
        except Throttled:
            body = {"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded", "Type": "User", "message": "Rate Exceeded."}
            return InvokeResult(429, {**headers, "x-amzn-ErrorType": "TooManyRequestsException"}, json.dumps(body).encode())
        try:
            invoked = environment.invoke(event, request_id)
        finally:
            pool.release(environment)
        if self.log_sink is not None and invoked.log:
            self.log_sink(config, environment.log_stream, invoked.log)
        if invoked.function_error:
            headers["X-Amz-Function-Error"] = invoked.function_error
        return InvokeResult(200, headers, invoked.payload, invoked.invocation_log)

    def close(self) -> None:
        with self._lock:
            for pool in self._pools.values():
                pool.close()
            self._pools.clear()
