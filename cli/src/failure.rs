//! Why a command failed, and the exit status that says so.

use std::fmt;
use std::process::ExitCode;

/// A failed command. Its text never holds a secret: the library's errors
/// are already cut free of them, and the command line's own never quote a
/// file's content or a variable's value.
#[derive(Debug)]
pub enum Failure {
    /// What the library answered (boxed: `claid::Error` is large), and a
    /// note on what to do when the command line knows more than the library.
    Client(Box<claid::Error>, Option<String>),
    /// Input the library never saw: a file, a variable, a refusal to act.
    Usage(String),
    /// No storage has the name given (found by listing, like the API's 404).
    NotFound(String),
    /// The user answered no; nothing was done.
    Declined(String),
    /// An answer the library accepted but the command cannot show.
    Decode(String),
    /// Writing the answer failed.
    Output(std::io::Error),
    /// Ctrl-C came between calls: the next call was not made.
    Interrupted,
}

impl Failure {
    /// Whether Ctrl-C ended the command (exit status 130).
    pub fn is_interruption(&self) -> bool {
        match self {
            Failure::Interrupted => true,
            Failure::Client(error, _) => matches!(**error, claid::Error::Cancelled { .. }),
            _ => false,
        }
    }

    /// The exit status: 2 usage or invalid input, 3 API error, 4 transport
    /// or timeout, 5 an answer that is not what was expected, 130 interrupted
    /// (Ctrl-C cancelled the call), 1 else.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Failure::Interrupted => crate::interrupt::EXIT_STATUS,
            Failure::Usage(_) => 2,
            Failure::NotFound(_) => 3,
            Failure::Decode(_) => 5,
            Failure::Client(error, _) => match &**error {
                claid::Error::InvalidInput { .. } => 2,
                claid::Error::Api(_) => 3,
                claid::Error::Transport { .. } | claid::Error::Timeout { .. } => 4,
                claid::Error::Decode { .. } => 5,
                claid::Error::Cancelled { .. } => crate::interrupt::EXIT_STATUS,
                _ => 1,
            },
            Failure::Declined(_) | Failure::Output(_) => 1,
        })
    }
}

impl From<claid::Error> for Failure {
    fn from(error: claid::Error) -> Self {
        Failure::Client(Box::new(error), None)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The library's message, with its advice on what to do next.
            // Ctrl-C: the command line says what may have happened.
            Failure::Interrupted => f.write_str(crate::interrupt::MAY_HAVE_HAPPENED),
            Failure::Client(error, _) if matches!(**error, claid::Error::Cancelled { .. }) => {
                f.write_str(crate::interrupt::MAY_HAVE_HAPPENED)
            }
            Failure::Client(error, None) => error.fmt(f),
            Failure::Client(error, Some(note)) => write!(f, "{error}\nnote: {note}"),
            Failure::Usage(message)
            | Failure::NotFound(message)
            | Failure::Declined(message)
            | Failure::Decode(message) => f.write_str(message),
            Failure::Output(error) => write!(f, "could not write the answer: {error}"),
        }
    }
}
