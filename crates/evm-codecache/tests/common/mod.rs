//! Test support: real services (anvil, redis-server) started on free loopback ports and
//! killed on drop, a tiny scriptable HTTP server, and a counting loader.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256, Bytes};
use evm_codecache::{LoadError, Loader};

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A child process killed (and reaped) on drop.
pub struct ChildGuard {
    pub child: Child,
    pub port: u16,
}

impl ChildGuard {
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < timeout, "{what} did not become ready within {timeout:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts anvil on a free port; fails (never skips) when it is not installed.
pub fn start_anvil() -> ChildGuard {
    let path = std::env::var_os("EVMKIT_ANVIL").map(PathBuf::from).unwrap_or_else(|| {
        workspace_root().join("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
    });
    assert!(
        path.exists(),
        "anvil not found at {} (set EVMKIT_ANVIL or run .ci/setup.sh from the repo root)",
        path.display()
    );
    let port = free_port();
    let child = Command::new(&path)
        .args(["--port", &port.to_string(), "--host", "127.0.0.1", "--silent"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e} (see .ci/setup.sh)", path.display()));
    let guard = ChildGuard { child, port };
    let url = format!("http://127.0.0.1:{port}");
    wait_until("anvil", Duration::from_secs(60), || {
        rpc(&url, "eth_chainId", serde_json::json!([])).is_ok()
    });
    guard
}

/// Starts redis-server on a free port without persistence; fails when it is not installed.
pub fn start_redis() -> ChildGuard {
    let path = std::env::var_os("EVMKIT_REDIS_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("redis-server"));
    let port = free_port();
    let child = Command::new(&path)
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {}: {e} (set EVMKIT_REDIS_SERVER or run .ci/setup.sh)",
                path.display()
            )
        });
    let guard = ChildGuard { child, port };
    wait_until("redis-server", Duration::from_secs(30), || {
        TcpStream::connect(("127.0.0.1", port)).is_ok_and(|mut s| {
            s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
            let mut buf = [0u8; 7];
            s.write_all(b"PING\r\n").is_ok()
                && s.read_exact(&mut buf).is_ok()
                && &buf == b"+PONG\r\n"
        })
    });
    guard
}

/// One JSON-RPC call with a plain ureq agent (test helper, not the code under test).
pub fn rpc(
    url: &str,
    method: &str,
    params: serde_json::Value,
) -> Result<serde_json::Value, String> {
    let agent: ureq::Agent =
        ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(10))).build().into();
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let mut resp = agent
        .post(url)
        .header("content-type", "application/json")
        .send(serde_json::to_vec(&body).unwrap())
        .map_err(|e| e.to_string())?;
    let v: serde_json::Value =
        serde_json::from_slice(&resp.body_mut().read_to_vec().map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    if let Some(e) = v.get("error") {
        return Err(e.to_string());
    }
    Ok(v["result"].clone())
}

/// A request the tiny server received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
}

/// A scriptable HTTP/1.1 server on a free loopback port; the handler writes the raw answer.
pub struct TinyServer {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl TinyServer {
    pub fn start(handler: impl Fn(&Request, &mut TcpStream) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        let (stop2, requests2) = (stop.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let (handler, requests) = (handler.clone(), requests2.clone());
                std::thread::spawn(move || {
                    // One request per connection is enough; the answer closes it.
                    if let Some(req) = read_request(&mut stream) {
                        requests.lock().unwrap().push(req.clone());
                        handler(&req, &mut stream);
                    }
                    let _ = stream.flush();
                });
            }
        });
        Self { url: format!("http://127.0.0.1:{port}"), requests, stop, port }
    }

    pub fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

impl Drop for TinyServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request { method, path, body })
}

/// Writes a complete HTTP response.
pub fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, &str)], body: &[u8]) {
    let mut head =
        format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

/// Answers a JSON-RPC request body with `f(id, method, params)` per call (batch aware).
pub fn jsonrpc_answer(
    body: &[u8],
    f: impl Fn(&serde_json::Value, &str, &serde_json::Value) -> serde_json::Value,
) -> Vec<u8> {
    let req: serde_json::Value = serde_json::from_slice(body).unwrap();
    let one = |r: &serde_json::Value| f(&r["id"], r["method"].as_str().unwrap(), &r["params"]);
    let answer = match &req {
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(one).collect())
        }
        r => one(r),
    };
    serde_json::to_vec(&answer).unwrap()
}

/// Wraps a loader and counts its loads, optionally slowing or failing them.
#[derive(Debug)]
pub struct Counting<L> {
    pub inner: L,
    pub loads: AtomicUsize,
    pub delay: Duration,
    pub fail: AtomicBool,
}

impl<L: Loader> Counting<L> {
    pub fn new(inner: L, delay: Duration) -> Self {
        Self { inner, loads: AtomicUsize::new(0), delay, fail: AtomicBool::new(false) }
    }
}

impl<L: Loader> Loader for Counting<L> {
    fn url(&self) -> &Arc<str> {
        self.inner.url()
    }

    fn load(&self, hash: B256) -> Result<Option<Bytes>, LoadError> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(self.delay);
        if self.fail.load(Ordering::SeqCst) {
            return Err(LoadError::Timeout { url: self.inner.url().clone() });
        }
        self.inner.load(hash)
    }

    fn load_by_address(&self, address: Address) -> Result<Option<(B256, Bytes)>, LoadError> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(self.delay);
        self.inner.load_by_address(address)
    }
}

/// Distinct small contracts: PUSH1 i, JUMPDEST, then an 8-byte tag.
pub fn contract(i: u64, extra: usize) -> Vec<u8> {
    let mut code = vec![0x60, i as u8, 0x5b];
    code.extend_from_slice(&i.to_be_bytes());
    code.resize(code.len() + extra, 0x00);
    code
}
