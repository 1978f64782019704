//! [`DropAfter`]: drives a future for at most `k` polls, then drops it (a
//! cancellation at its `k`-th suspension point), under a real executor.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Resolves to `Some(output)` if the future completes within `limit` polls,
/// else drops it right after its `limit`-th poll returned `Pending` and
/// resolves to `None`.
pub struct DropAfter<F> {
    future: Option<Pin<Box<F>>>,
    polls: u32,
    limit: u32,
}

impl<F: Future> DropAfter<F> {
    pub fn new(future: F, limit: u32) -> Self {
        DropAfter {
            future: Some(Box::pin(future)),
            polls: 0,
            limit,
        }
    }
}

impl<F: Future> Future for DropAfter<F> {
    type Output = Option<F::Output>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(future) = this.future.as_mut() else {
            return Poll::Ready(None);
        };
        this.polls += 1;
        match future.as_mut().poll(cx) {
            Poll::Ready(value) => {
                this.future = None;
                Poll::Ready(Some(value))
            }
            Poll::Pending if this.polls >= this.limit => {
                this.future = None; // the cancellation
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
