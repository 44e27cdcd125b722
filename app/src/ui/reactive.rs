//! Reactive reads that stay safe on the server.
//!
//! Widget level: imports nothing of the app.
//!
//! On the server a page renders once, for one URL, but the render's resources and effects run
//! as tasks on other threads; under load such a task can first run after the request is done
//! and its signals (the page's and the router's) are disposed, and a memo or resource source
//! that reads one of them then panics ("reactive value already disposed"). So every memo over
//! the URL and every resource source is [`fixed_on_server`]: reactive in the browser, read
//! once while the page is being built on the server.

use leptos::prelude::*;

/// `read` itself in the browser; on the server, a closure that returns what `read` returned
/// now (untracked), and so never touches a signal again.
pub fn fixed_on_server<T>(
    read: impl Fn() -> T + Send + Sync + 'static,
) -> impl Fn() -> T + Send + Sync + Clone + 'static
where
    T: Clone + Send + Sync + 'static,
{
    #[cfg(feature = "ssr")]
    {
        let value = untrack(&read);
        move || value.clone()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let read = std::sync::Arc::new(read);
        move || read()
    }
}

/// [`fixed_on_server`] for a `Copy` value and reader: the result is `Copy` too, for views
/// that read it in many places.
pub fn fixed_on_server_copy<T>(
    read: impl Fn() -> T + Send + Sync + Copy + 'static,
) -> impl Fn() -> T + Send + Sync + Copy + 'static
where
    T: Copy + Send + Sync + 'static,
{
    #[cfg(feature = "ssr")]
    {
        let value = untrack(read);
        move || value
    }
    #[cfg(not(feature = "ssr"))]
    {
        read
    }
}

/// A memo of `read` (see [`fixed_on_server`]).
pub fn memo_fixed_on_server<T>(read: impl Fn() -> T + Send + Sync + 'static) -> Memo<T>
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    let read = fixed_on_server(read);
    Memo::new(move |_| read())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn on_the_server_the_value_is_read_once_and_survives_its_signal() {
        let owner = Owner::new();
        owner.set();
        let signal = RwSignal::new(1);
        let read = fixed_on_server(move || signal.get());
        let memo = memo_fixed_on_server(move || signal.get() * 10);
        assert_eq!(memo.get_untracked(), 10);
        signal.set(2);
        signal.dispose();
        assert_eq!(read(), 1);
        assert_eq!(memo.get_untracked(), 10);
    }
}
