//! The HTTP client the network sources share (ureq, blocking, no TLS): connect, read and
//! total timeouts, a cap on body size, and retries with backoff on HTTP 429 that honour a
//! capped `Retry-After`.

use std::sync::Arc;
use std::time::Duration;

use crate::error::LoadError;

/// Timeouts, size cap and retry policy of HTTP sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    /// Time to open a connection.
    pub connect_timeout: Duration,
    /// Time to receive the response head, and then the body.
    pub read_timeout: Duration,
    /// Time for a whole request, body included (stops slow-drip responses).
    pub total_timeout: Duration,
    /// Largest response body accepted.
    pub max_body: u64,
    /// Retries after a rate-limited answer (HTTP 429, JSON-RPC -32005/-32016).
    pub max_retries: u32,
    /// First backoff; doubles per retry.
    pub initial_backoff: Duration,
    /// Cap on any single wait, `Retry-After` included.
    pub max_backoff: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(15),
            total_timeout: Duration::from_secs(30),
            max_body: 32 * 1024 * 1024,
            max_retries: 5,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl HttpLimits {
    /// The wait before retry number `attempt` (0-based), honouring `retry_after` if given.
    pub(crate) fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self.initial_backoff.saturating_mul(1u32 << attempt.min(16));
        retry_after.unwrap_or(exp).min(self.max_backoff)
    }
}

/// One HTTP endpoint with its limits.
#[derive(Debug)]
pub(crate) struct HttpClient {
    agent: ureq::Agent,
    pub(crate) limits: HttpLimits,
    pub(crate) url: Arc<str>,
}

/// An answer that is neither success nor not-found nor rate limited is an error; this is
/// what callers see.
pub(crate) enum Answer {
    Body(Vec<u8>),
    NotFound,
}

impl HttpClient {
    pub(crate) fn new(url: Arc<str>, limits: HttpLimits) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(limits.connect_timeout))
            .timeout_recv_response(Some(limits.read_timeout))
            .timeout_recv_body(Some(limits.read_timeout))
            .timeout_global(Some(limits.total_timeout))
            .build();
        Self { agent: config.into(), limits, url }
    }

    /// GET `target` (or POST `body` as JSON when given), retrying on HTTP 429.
    pub(crate) fn request(&self, target: &str, body: Option<&[u8]>) -> Result<Answer, LoadError> {
        let mut attempt = 0;
        loop {
            let sent = match body {
                Some(body) => {
                    self.agent.post(target).header("content-type", "application/json").send(body)
                }
                None => self
                    .agent
                    .get(target)
                    .header("accept", "application/vnd.ipld.raw, application/octet-stream, */*")
                    .call(),
            };
            let mut response = sent.map_err(|e| self.error(e))?;
            let status = response.status().as_u16();
            if status == 429 {
                if attempt >= self.limits.max_retries {
                    return Err(LoadError::RateLimited {
                        url: self.url.clone(),
                        attempts: attempt + 1,
                    });
                }
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                let wait = self.limits.backoff(attempt, retry_after);
                tracing::debug!(url = %self.url, ?wait, "rate limited; retrying");
                std::thread::sleep(wait);
                attempt += 1;
                continue;
            }
            if status == 404 {
                return Ok(Answer::NotFound);
            }
            if !(200..300).contains(&status) {
                return Err(LoadError::HttpStatus { url: self.url.clone(), status });
            }
            let bytes = response
                .body_mut()
                .with_config()
                .limit(self.limits.max_body)
                .read_to_vec()
                .map_err(|e| self.error(e))?;
            return Ok(Answer::Body(bytes));
        }
    }

    pub(crate) fn error(&self, e: ureq::Error) -> LoadError {
        match e {
            ureq::Error::Timeout(_) => LoadError::Timeout { url: self.url.clone() },
            ureq::Error::BodyExceedsLimit(limit) => LoadError::TooLarge {
                url: self.url.clone(),
                what: "response body",
                size: limit + 1,
                limit,
            },
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                LoadError::Timeout { url: self.url.clone() }
            }
            e => LoadError::Http { url: self.url.clone(), source: Arc::new(e) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_honours_retry_after_and_is_capped() {
        let l = HttpLimits {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            ..HttpLimits::default()
        };
        assert_eq!(l.backoff(0, None), Duration::from_millis(100));
        assert_eq!(l.backoff(2, None), Duration::from_millis(400));
        assert_eq!(l.backoff(10, None), Duration::from_secs(1));
        assert_eq!(l.backoff(0, Some(Duration::from_millis(300))), Duration::from_millis(300));
        assert_eq!(l.backoff(0, Some(Duration::from_secs(3600))), Duration::from_secs(1));
    }
}
