//! A page whose browser goes away mid-render is rendered to the end anyway, its output
//! thrown away.
//!
//! Leptos streams a page and cleans up the page's reactive owner when the stream ends — or
//! when it is dropped, which is what a disconnect does. Tasks the render spawned (resources,
//! suspended views) can still run after that and then read values that are gone: "reactive
//! value already disposed", "Location outside a <Router>" panics, a few per thousand
//! abandoned pages under load (issue #16). Finishing the stream lets the render end the way
//! it always does. The work is bounded: the page's own queries, at most [`FINISH_WITHIN`].

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::Response;
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// How long an abandoned page may keep rendering (the request timeout's length).
pub const FINISH_WITHIN: Duration = Duration::from_secs(30);

/// Wraps a rendered page's body (HTML only: other answers are not renders) so that dropping
/// it before its end finishes it in the background.
pub async fn finish_abandoned_pages(res: Response) -> Response {
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !html {
        return res;
    }
    let (parts, body) = res.into_parts();
    Response::from_parts(parts, Body::new(FinishOnDrop(Some(body))))
}

/// The body as it was, until it is dropped unfinished.
struct FinishOnDrop(Option<Body>);

impl http_body::Body for FinishOnDrop {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let Some(body) = self.0.as_mut() else {
            return Poll::Ready(None);
        };
        let frame = Pin::new(body).poll_frame(cx);
        if matches!(frame, Poll::Ready(None)) {
            self.0 = None;
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.0.as_ref().is_none_or(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.0.as_ref().map(|b| b.size_hint()).unwrap_or_default()
    }
}

impl Drop for FinishOnDrop {
    fn drop(&mut self) {
        let Some(mut body) = self.0.take() else {
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
        let mut body = finish_abandoned_pages(res).await.into_body();
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
}
