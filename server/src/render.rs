//! Guards around a server-rendered page's body: a page whose browser goes away mid-render
//! is rendered to its end anyway, and a page whose render stops making progress is ended and
//! logged instead of holding its connection open.
//!
//! Leptos streams a page and cleans up the page's reactive owner when the stream ends — or
//! when it is dropped, which is what a disconnect does. Tasks the render spawned (resources,
//! suspended views) can still run after that and then read values that are gone: "reactive
//! value already disposed", "Location outside a <Router>" panics, a few per thousand
//! abandoned pages under load (issue #16). Finishing the stream lets the render end the way
//! it always does. The work is bounded: the page's own queries, at most [`FINISH_WITHIN`].
//!
//! A page's parts are a few database queries (milliseconds). If no part arrives for
//! [`STALL_LIMIT`], the render is stuck (a suspended view that is never woken: Leptos has had
//! such races, e.g. leptos-rs/leptos#4851): the body ends there — the browser gets what was
//! rendered instead of a connection that never closes — and the error log names the page and
//! how far it got, so it can be found and fixed.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// How long an abandoned page may keep rendering (the request timeout's length).
pub const FINISH_WITHIN: Duration = Duration::from_secs(30);

/// How long a page's body may go without producing anything before it is ended.
pub const STALL_LIMIT: Duration = Duration::from_secs(10);

/// Middleware: runs the request in a task of its own and wraps a rendered page's body (HTML
/// only: other answers are not renders) in both guards.
///
/// The task: a browser that goes away before the page's first bytes (a closed tab, a
/// timeout) makes the server drop the request's future — and with it, half-way, the render
/// and its reactive owner, while the render's own spawned parts run on and read what is
/// gone (a "reactive value already disposed" panic in the CI's load run, in the Customers
/// toolbar). In a task of its own the handler always returns; its body is then guarded like
/// any other, finished in the background if nobody reads it. Bounded by [`FINISH_WITHIN`].
pub async fn guard_pages(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    // The task-local client IP (for the audit log) and the request's log span go along.
    let ip = app::audit::ssr::REQUEST_IP.try_with(|ip| ip.clone()).ok();
    let span = tracing::Span::current();
    let run = async move {
        let res = match ip {
            Some(ip) => app::audit::ssr::REQUEST_IP.scope(ip, next.run(req)).await,
            None => next.run(req).await,
        };
        guard(res, path, STALL_LIMIT)
    };
    let task = tokio::spawn(tracing::Instrument::instrument(
        tokio::time::timeout(FINISH_WITHIN, run),
        span,
    ));
    match task.await {
        Ok(Ok(res)) => res,
        Ok(Err(_)) => {
            tracing::error!("a request ran for {FINISH_WITHIN:?} and was stopped");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "Service unavailable",
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(err = %e, "a request's task failed");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "Internal server error",
            )
                .into_response()
        }
    }
}

fn guard(res: Response, path: String, stall_limit: Duration) -> Response {
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !html {
        return res;
    }
    let (parts, body) = res.into_parts();
    Response::from_parts(
        parts,
        Body::new(PageBody {
            body: Some(body),
            path,
            stall_limit,
            stall: Box::pin(tokio::time::sleep(stall_limit)),
            sent: 0,
            tail: Vec::new(),
        }),
    )
}

/// The page's body as it was, until it is dropped unfinished or stops making progress.
struct PageBody {
    body: Option<Body>,
    path: String,
    stall_limit: Duration,
    /// Fires when no part has arrived for `stall_limit`; reset by every part.
    stall: Pin<Box<tokio::time::Sleep>>,
    sent: usize,
    /// The end of what was sent so far (for the log when the render stalls).
    tail: Vec<u8>,
}

const TAIL: usize = 300;

impl http_body::Body for PageBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        let Some(body) = this.body.as_mut() else {
            return Poll::Ready(None);
        };
        match Pin::new(body).poll_frame(cx) {
            Poll::Ready(None) => {
                this.body = None;
                Poll::Ready(None)
            }
            Poll::Ready(Some(frame)) => {
                if let Some(data) = frame.as_ref().ok().and_then(|f| f.data_ref()) {
                    this.sent += data.len();
                    this.tail.extend_from_slice(data);
                    let cut = this.tail.len().saturating_sub(TAIL);
                    this.tail.drain(..cut);
                }
                let deadline = tokio::time::Instant::now() + this.stall_limit;
                this.stall.as_mut().reset(deadline);
                Poll::Ready(Some(frame))
            }
            Poll::Pending => {
                if this.stall.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                tracing::error!(
                    path = %this.path,
                    bytes_sent = this.sent,
                    last_bytes = %String::from_utf8_lossy(&this.tail),
                    "a page's render made no progress for {:?}; its response was ended there",
                    this.stall_limit
                );
                // Dropped, not finished: it is stuck.
                this.body = None;
                Poll::Ready(None)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.as_ref().is_none_or(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.body
            .as_ref()
            .map(|b| b.size_hint())
            .unwrap_or_default()
    }
}

impl Drop for PageBody {
    fn drop(&mut self) {
        let Some(mut body) = self.body.take() else {
            return;
        };
        if http_body::Body::is_end_stream(&body) {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let rest = async { while let Some(Ok(_)) = body.frame().await {} };
                let _ = tokio::time::timeout(FINISH_WITHIN, rest).await;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A page body of three chunks that counts how many of them were produced.
    struct Chunks(Arc<AtomicUsize>);

    impl http_body::Body for Chunks {
        type Data = Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
            let i = self.0.load(Ordering::SeqCst);
            if i == 3 {
                return Poll::Ready(None);
            }
            self.0.fetch_add(1, Ordering::SeqCst);
            Poll::Ready(Some(Ok(Frame::data(Bytes::from(format!("<p>{i}</p>"))))))
        }
    }

    async fn produced_after_reading_one(content_type: &'static str) -> usize {
        let produced = Arc::new(AtomicUsize::new(0));
        let mut res = Response::new(Body::new(Chunks(produced.clone())));
        res.headers_mut()
            .insert(header::CONTENT_TYPE, content_type.parse().unwrap());
        let mut body = guard(res, "/p".into(), STALL_LIMIT).into_body();
        let first = body.frame().await.unwrap().unwrap();
        assert_eq!(first.into_data().unwrap(), Bytes::from("<p>0</p>"));
        drop(body); // the browser went away
        tokio::time::sleep(Duration::from_millis(200)).await;
        produced.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn an_abandoned_page_is_rendered_to_its_end() {
        assert_eq!(
            produced_after_reading_one("text/html; charset=utf-8").await,
            3
        );
    }

    #[tokio::test]
    async fn other_answers_stop_when_dropped() {
        assert_eq!(produced_after_reading_one("application/json").await, 1);
    }

    /// A page body that sends its shell, then waits forever for a part that never comes.
    struct Stuck(bool);

    impl http_body::Body for Stuck {
        type Data = Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
            if self.0 {
                return Poll::Pending;
            }
            self.0 = true;
            Poll::Ready(Some(Ok(Frame::data(Bytes::from("<html><body>shell")))))
        }
    }

    #[tokio::test]
    async fn a_page_that_stops_making_progress_is_ended() {
        let mut res = Response::new(Body::new(Stuck(false)));
        res.headers_mut()
            .insert(header::CONTENT_TYPE, "text/html".parse().unwrap());
        let body = guard(res, "/customers/1".into(), Duration::from_millis(300)).into_body();
        let read = tokio::time::timeout(Duration::from_secs(5), body.collect()).await;
        let bytes = read
            .expect("the body ends")
            .expect("without an error")
            .to_bytes();
        assert_eq!(bytes, Bytes::from("<html><body>shell"));
    }

    /// A page body of four parts, each 200 ms after the one before.
    struct Slow(usize, Pin<Box<tokio::time::Sleep>>);

    impl http_body::Body for Slow {
        type Data = Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
            if self.0 == 4 {
                return Poll::Ready(None);
            }
            if self.1.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let i = self.0;
            self.0 += 1;
            let next = tokio::time::Instant::now() + Duration::from_millis(200);
            self.1.as_mut().reset(next);
            Poll::Ready(Some(Ok(Frame::data(Bytes::from(format!("<p>{i}</p>"))))))
        }
    }

    #[tokio::test]
    async fn a_slow_page_that_keeps_making_progress_is_left_alone() {
        let first = Box::pin(tokio::time::sleep(Duration::from_millis(200)));
        let mut res = Response::new(Body::new(Slow(0, first)));
        res.headers_mut()
            .insert(header::CONTENT_TYPE, "text/html".parse().unwrap());
        let body = guard(res, "/customers".into(), Duration::from_millis(300)).into_body();
        let bytes = body.collect().await.unwrap().to_bytes();
        assert_eq!(bytes, Bytes::from("<p>0</p><p>1</p><p>2</p><p>3</p>"));
    }

    #[tokio::test]
    async fn a_request_whose_client_leaves_before_the_answer_still_runs_to_its_end() {
        let finished = Arc::new(AtomicUsize::new(0));
        let done = finished.clone();
        let app = axum::Router::new()
            .route(
                "/page",
                axum::routing::get(move || {
                    let done = done.clone();
                    async move {
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        done.fetch_add(1, Ordering::SeqCst);
                        "page"
                    }
                }),
            )
            .layer(axum::middleware::from_fn(guard_pages));
        let req = Request::builder().uri("/page").body(Body::empty()).unwrap();
        // The client gives up after 50 ms: its request future is dropped.
        let answer = tokio::time::timeout(
            Duration::from_millis(50),
            tower::ServiceExt::oneshot(app, req),
        )
        .await;
        assert!(answer.is_err(), "gave up before the answer");
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(
            finished.load(Ordering::SeqCst),
            1,
            "the handler ran to its end"
        );
    }
}
