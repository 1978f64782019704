//! Edition 2018, beside user items named `core`, `std`, `ctxmgr`, `Result`,
//! `Option`, `Ok`, `Err`, `Some`, `Drop`, `From`, `bool` and `ErrorRef`: the expansions of
//! `with!`, `#[derive(ContextManager)]` and `#[ctxmgr::context_manager]`
//! name nothing of the user's scope.
#![deny(warnings)]

pub mod core {}
pub mod std {}
pub mod ctxmgr {}
pub struct Result;
pub struct Option;
pub struct Ok;
pub struct Err;
pub struct Some;
pub trait Drop {}
pub trait From {}
#[allow(non_camel_case_types)]
pub struct bool;
pub struct ErrorRef;

type IoResult<T> = ::std::io::Result<T>;

/// Records what enter and exit saw.
#[derive(::ctxmgr::ContextManager)]
pub struct Recorder {
    pub events: ::std::vec::Vec<::std::string::String>,
}

#[::ctxmgr::context_manager]
impl Recorder {
    #[enter]
    fn enter(&mut self) -> ::std::io::Result<&mut ::std::vec::Vec<::std::string::String>> {
        self.events.push("enter".into());
        ::std::result::Result::Ok(&mut self.events)
    }

    #[exit]
    fn exit(&mut self, outcome: ::ctxmgr::Outcome<'_>) -> ::std::io::Result<()> {
        self.events
            .push(::std::format!("exit ok={}", outcome.is_ok()));
        ::std::result::Result::Ok(())
    }
}

/// Runs a `with!` whose body fails when `fail`.
pub fn run(recorder: &mut Recorder, fail: ::core::primitive::bool) -> IoResult<usize> {
    let n = ::ctxmgr::with!(&mut *recorder as events => {
        events.push("body".into());
        if fail {
            ::std::result::Result::Err(::std::io::Error::other("no"))?;
        }
        events.len()
    });
    ::std::result::Result::Ok(n)
}

/// Uses the named guard.
pub fn by_guard(recorder: &mut Recorder) -> IoResult<()> {
    let mut guard = RecorderGuard::enter(recorder)?;
    guard.events.push("guarded".into());
    RecorderGuard::finish(guard, ::ctxmgr::Outcome::Ok)
}

/// Swallows the errors whose message is `ignored`: a derived `#[suppress]`.
#[derive(::ctxmgr::ContextManager)]
pub struct Ignoring {
    pub ignored: &'static str,
    pub asked: ::std::vec::Vec<::std::string::String>,
}

#[::ctxmgr::context_manager]
impl Ignoring {
    #[enter]
    fn enter(&mut self) {}

    #[exit]
    fn exit(&mut self) {}

    #[suppress]
    fn suppresses(&mut self, error: ::ctxmgr::ErrorRef<'_>) -> ::core::primitive::bool {
        self.asked.push(::std::string::ToString::to_string(&error));
        ::std::string::ToString::to_string(&error) == self.ignored
    }
}

/// `?` on an error named `message`; `None` when it was swallowed.
pub fn ignoring(ignoring: &mut Ignoring, message: &str) -> IoResult<::std::option::Option<u8>> {
    let n = ::ctxmgr::with!(&mut *ignoring => {
        ::std::result::Result::Err(::std::io::Error::other(message))?;
        ::std::option::Option::Some(1)
    });
    ::std::result::Result::Ok(n)
}
