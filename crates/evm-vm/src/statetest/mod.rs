//! Ethereum state-test runner: GeneralStateTest JSON files in, one [`CaseResult`] per case out.
//!
//! A case is `(file, test, fork, post index)`. It passes when the post-state root and logs hash
//! match; an `expectException` case passes when the VM rejects the transaction and the state
//! root is unchanged. [`run_files`] parses files in order on one reader thread and queues their
//! cases for worker threads through a bounded channel (a few files alive at once); each case
//! runs under a timeout (an [`crate::Interrupt`] with a deadline, which the VM polls), with
//! panics caught so that a panicking or overlong case is a failed case and never ends the run.

mod case;
pub mod json;

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once, mpsc};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

pub use case::{address_from_secret, test_block_hash};
pub use json::{TestFile, TestUnit, parse_file};

use crate::Fork;
use case::{Failure, PreparedUnit};

/// Stack size of the threads that execute cases. Calls nest up to depth 1024, but the VM moves
/// to a new stack segment when a thread's stack runs low, so this only needs to hold the
/// runner and one stretch of frames (debug builds included).
pub const CASE_STACK_SIZE: usize = 16 * 1024 * 1024;

/// Name of the threads that execute cases; their panics are not printed.
pub const CASE_THREAD_NAME: &str = "evmkit-statetest-case";

/// How to run state tests.
#[derive(Clone, Debug)]
pub struct Options {
    /// Run only cases whose test name or fork name contains this text.
    pub filter: Option<String>,
    /// Per-case time limit; `None` runs cases on the worker threads with no limit.
    pub timeout: Option<Duration>,
    /// Worker threads; 0 uses every core.
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self { filter: None, timeout: Some(Duration::from_secs(600)), threads: 0 }
    }
}

/// The outcome of one case (or of a file that could not be read, with empty `test`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaseResult {
    /// The fixture file.
    pub file: PathBuf,
    /// The test name (empty when the file itself failed).
    pub test: String,
    /// The fork name as written in the fixture.
    pub fork: String,
    /// Index in `post[fork]`.
    pub index: usize,
    /// Whether the case passed.
    pub pass: bool,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Expected value (root, logs hash or exception).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// Value obtained.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub got: Option<String>,
}

impl CaseResult {
    /// `file::test::fork::index`, to name the case in reports.
    pub fn name(&self) -> String {
        if self.test.is_empty() {
            return self.file.display().to_string();
        }
        format!("{}::{}::{}::{}", self.file.display(), self.test, self.fork, self.index)
    }

    fn file_failure(file: &Path, error: String) -> Self {
        Self {
            file: file.to_path_buf(),
            test: String::new(),
            fork: String::new(),
            index: 0,
            pass: false,
            error: Some(error),
            expected: None,
            got: None,
        }
    }
}

/// Every `.json` file under `paths` (files are taken as given), sorted per argument.
///
/// Unreadable directories are returned as entries too, so that running them reports a
/// failure with the reason instead of silently skipping them.
pub fn collect_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let start = out.len();
            walk(path, &mut out);
            out[start..].sort();
        } else {
            out.push(path.clone());
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        out.push(dir.to_path_buf());
        return;
    };
    for entry in entries {
        let Ok(entry) = entry else {
            out.push(dir.to_path_buf());
            continue;
        };
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// One case of a parsed file: the unit, the test name, the fork name and the post index.
type PreparedCase = (Arc<PreparedUnit>, String, String, usize);

/// Reads and parses one file and selects its cases; a file that cannot be read or parsed is
/// its one failed result.
fn prepare_file(path: &Path, options: &Options) -> Result<Vec<PreparedCase>, Box<CaseResult>> {
    let failure = |error| Box::new(CaseResult::file_failure(path, error));
    let bytes = std::fs::read(path).map_err(|err| failure(format!("cannot read file: {err}")))?;
    let file = parse_file(&bytes).map_err(|err| failure(format!("malformed file: {err}")))?;
    drop(bytes);
    let mut cases = Vec::new();
    for (name, unit) in file {
        let selected: Vec<(String, usize)> = unit
            .post
            .iter()
            .flat_map(|(fork, entries)| (0..entries.len()).map(move |i| (fork.clone(), i)))
            .filter(|(fork, _)| match &options.filter {
                Some(f) => name.contains(f.as_str()) || fork.contains(f.as_str()),
                None => true,
            })
            .collect();
        if selected.is_empty() {
            continue;
        }
        let unit = Arc::new(PreparedUnit::new(unit));
        for (fork, index) in selected {
            cases.push((Arc::clone(&unit), name.clone(), fork, index));
        }
    }
    Ok(cases)
}

/// Runs one prepared case of the file at `path`.
fn run_prepared(path: &Path, case: PreparedCase, options: &Options) -> CaseResult {
    let (unit, test, fork, index) = case;
    let outcome = run_case(&unit, &fork, index, options.timeout);
    let (pass, failure) = match outcome {
        Ok(()) => (true, Failure::default()),
        Err(failure) => (false, failure),
    };
    CaseResult {
        file: path.to_path_buf(),
        test,
        fork,
        index,
        pass,
        error: (!pass).then_some(failure.error),
        expected: failure.expected,
        got: failure.got,
    }
}

/// Runs every case of one file, in parallel on the current rayon pool. A file that cannot be
/// read or parsed yields one failure.
pub fn run_file(path: &Path, options: &Options) -> Vec<CaseResult> {
    match prepare_file(path, options) {
        Ok(cases) => cases.into_par_iter().map(|case| run_prepared(path, case, options)).collect(),
        Err(failure) => vec![*failure],
    }
}

/// Runs one case under `timeout`, turning panics into failures. The limit is an
/// [`crate::Interrupt`] with a deadline: the VM stops at its next call, creation or BLAKE2F
/// poll once it passes, and the worker goes on with the next case.
fn run_case(
    unit: &Arc<PreparedUnit>,
    fork_name: &str,
    index: usize,
    timeout: Option<Duration>,
) -> Result<(), Failure> {
    let fork: Fork = fork_name.parse().map_err(|_| Failure {
        error: format!("unknown fork {fork_name:?}"),
        ..Failure::default()
    })?;
    let interrupt = timeout.map(|t| crate::Interrupt::with_deadline(Instant::now() + t));
    execute(unit, fork_name, fork, index, interrupt.as_ref()).map_err(|mut failure| {
        if let Some(timeout) = timeout
            && failure.error == case::INTERRUPTED
        {
            failure.error = format!("timeout after {} s", timeout.as_secs_f64());
        }
        failure
    })
}

/// Runs one case on the current thread, turning a panic into a failure.
fn execute(
    unit: &PreparedUnit,
    fork_name: &str,
    fork: Fork,
    index: usize,
    interrupt: Option<&crate::Interrupt>,
) -> Result<(), Failure> {
    quiet_case_panics();
    let post = unit
        .unit
        .post
        .get(fork_name)
        .and_then(|entries| entries.get(index))
        .ok_or_else(|| Failure { error: "post entry vanished".into(), ..Failure::default() })?;
    match panic::catch_unwind(AssertUnwindSafe(|| unit.run(fork, post, interrupt))) {
        Ok(result) => result,
        Err(payload) => Err(Failure {
            error: format!("panic: {}", panic_message(payload.as_ref())),
            ..Failure::default()
        }),
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".into()
    }
}

/// Installs (once) a panic hook that stays silent on case threads: their panics are reported
/// as failed cases. Other threads keep the previous hook.
fn quiet_case_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let name = std::thread::current().name().map(str::to_owned);
            if name.as_deref() != Some(CASE_THREAD_NAME) {
                previous(info);
            }
        }));
    });
}

/// Cases parsed ahead of the workers, per worker: enough to keep them busy while the next file
/// is read, few enough that only a handful of files are in memory at once.
const CASES_AHEAD_PER_WORKER: usize = 8;

/// The results of one file as its cases finish on the workers.
struct FileRun {
    index: usize,
    path: PathBuf,
    results: Mutex<Vec<Option<CaseResult>>>,
    remaining: AtomicUsize,
}

/// What the reader hands to the workers.
struct Job {
    file: Arc<FileRun>,
    slot: usize,
    case: PreparedCase,
}

/// Runs `files` on `options.threads` workers (0: every core), calling `on_file` as each file
/// finishes (from worker threads, in completion order). Returns all results in file order.
///
/// One reader thread parses the files in order and queues their cases in a bounded channel;
/// the workers take cases one at a time. So at most a few files are parsed and alive at once
/// whatever the corpus size (a pool of nested parallel loops would let a waiting worker start
/// file after file), and a file's slow case does not hold up the others.
pub fn run_files(
    files: &[PathBuf],
    options: &Options,
    on_file: &(dyn Fn(&Path, &[CaseResult]) + Sync),
) -> Vec<CaseResult> {
    let workers = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let (job_tx, job_rx) = mpsc::sync_channel::<Job>(workers * CASES_AHEAD_PER_WORKER);
    let job_rx = Mutex::new(job_rx);
    let (done_tx, done_rx) = mpsc::channel::<(usize, Vec<CaseResult>)>();
    let finish = |file: &FileRun, results: Vec<CaseResult>, done: &mpsc::Sender<_>| {
        on_file(&file.path, &results);
        // The collector outlives every sender; a send cannot fail while it runs.
        let _ = done.send((file.index, results));
    };
    let work = |done: mpsc::Sender<(usize, Vec<CaseResult>)>| {
        loop {
            let job = match job_rx.lock() {
                Ok(rx) => rx.recv(),
                Err(_) => return,
            };
            let Ok(Job { file, slot, case }) = job else { return };
            let result = run_prepared(&file.path, case, options);
            if let Ok(mut results) = file.results.lock() {
                results[slot] = Some(result);
            }
            if file.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
                let results = file
                    .results
                    .lock()
                    .map(|mut r| r.drain(..).flatten().collect())
                    .unwrap_or_default();
                finish(&file, results, &done);
            }
        }
    };
    std::thread::scope(|scope| {
        let reader_done = done_tx.clone();
        scope.spawn(move || {
            for (index, path) in files.iter().enumerate() {
                let new_file = |n: usize| FileRun {
                    index,
                    path: path.clone(),
                    results: Mutex::new(vec![None; n]),
                    remaining: AtomicUsize::new(n),
                };
                let cases = match prepare_file(path, options) {
                    Ok(cases) if !cases.is_empty() => cases,
                    Ok(_) => {
                        finish(&new_file(0), Vec::new(), &reader_done);
                        continue;
                    }
                    Err(failure) => {
                        finish(&new_file(0), vec![*failure], &reader_done);
                        continue;
                    }
                };
                let file = Arc::new(new_file(cases.len()));
                for (slot, case) in cases.into_iter().enumerate() {
                    if job_tx.send(Job { file: Arc::clone(&file), slot, case }).is_err() {
                        return;
                    }
                }
            }
        });
        let mut spawned = 0;
        for _ in 0..workers {
            let done = done_tx.clone();
            let worker = std::thread::Builder::new()
                .name(CASE_THREAD_NAME.into())
                .stack_size(CASE_STACK_SIZE)
                .spawn_scoped(scope, || work(done));
            match worker {
                Ok(_) => spawned += 1,
                Err(err) => tracing::warn!(%err, "cannot spawn a state-test worker"),
            }
        }
        if spawned == 0 {
            // No thread could be started: work through the queue here.
            work(done_tx.clone());
        }
        drop(done_tx);
    });
    let mut by_file: Vec<Vec<CaseResult>> = vec![Vec::new(); files.len()];
    for (index, results) in done_rx {
        by_file[index] = results;
    }
    by_file.into_iter().flatten().collect()
}

/// Pass and fail counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Passed cases.
    pub passed: usize,
    /// Failed cases.
    pub failed: usize,
}

impl Counts {
    /// Adds one result.
    pub fn add(&mut self, pass: bool) {
        if pass {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
    }
}

/// The first `depth` components of `file` relative to `root` (its top folder), or the file
/// name when it is not under `root`.
pub fn group_of(file: &Path, root: &Path, depth: usize) -> String {
    match file.strip_prefix(root) {
        Ok(rel) => {
            let parts: Vec<_> = rel.components().collect();
            let keep = depth.min(parts.len().saturating_sub(1)).max(1).min(parts.len());
            let group: PathBuf = parts[..keep].iter().collect();
            group.display().to_string()
        }
        Err(_) => file.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_is_top_folder() {
        let root = Path::new("/f");
        assert_eq!(group_of(Path::new("/f/a/b/c.json"), root, 1), "a");
        assert_eq!(group_of(Path::new("/f/a/b/c.json"), root, 2), "a/b");
        assert_eq!(group_of(Path::new("/f/a/b/c.json"), root, 5), "a/b");
        assert_eq!(group_of(Path::new("/f/c.json"), root, 1), "c.json");
    }

    #[test]
    fn missing_file_is_a_failure() {
        let results = run_file(Path::new("/nonexistent/x.json"), &Options::default());
        assert_eq!(results.len(), 1);
        assert!(!results[0].pass);
        assert!(results[0].error.as_deref().unwrap_or("").starts_with("cannot read file"));
    }
}
