//! Reading inputs (files, stdin), writing outputs, and the clock.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::time::SystemTime;

use authcore_jose::UnixTime;

use crate::Failure;

/// Largest input read from a file or stdin. The library has tighter limits for tokens and
/// keys; this bound only keeps the tool from reading without end.
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a file, or stdin when `path` is `-`. `what` names the input in error messages.
pub fn read_input(path: &Path, what: &str) -> Result<Vec<u8>, Failure> {
    let fail = |e: io::Error| Failure::usage(format!("cannot read {what} {}: {e}", path.display()));
    let mut buf = Vec::new();
    if path.as_os_str() == "-" {
        io::stdin()
            .lock()
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(fail)?;
    } else {
        File::open(path)
            .and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut buf))
            .map_err(fail)?;
    }
    if buf.len() as u64 > MAX_INPUT_BYTES {
        return Err(Failure::usage(format!(
            "{what} {} is larger than {MAX_INPUT_BYTES} bytes",
            path.display()
        )));
    }
    Ok(buf)
}

/// Reads stdin entirely.
pub fn read_stdin(what: &str) -> Result<Vec<u8>, Failure> {
    read_input(Path::new("-"), what)
}

/// The token argument: `-` for stdin, the path of an existing file that holds the token, or
/// else the token text itself. Surrounding whitespace (a trailing newline) is removed.
///
/// A compact token contains only base64url characters and two dots and a JSON one starts with
/// `{`, so a token is not mistaken for a file name in practice.
pub fn read_token(arg: &str) -> Result<String, Failure> {
    let bytes = if arg == "-" {
        read_stdin("token from")?
    } else if !arg.trim_start().starts_with('{') && Path::new(arg).is_file() {
        read_input(Path::new(arg), "token file")?
    } else {
        return Ok(arg.trim().to_owned());
    };
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s.trim().to_owned()),
        Err(_) => Err(Failure::rejected("the token is not UTF-8 text")),
    }
}

/// Writes `bytes` to stdout. A closed pipe (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(Failure::usage(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// Writes a line of text to stdout.
pub fn print_line(text: &str) -> Result<(), Failure> {
    let mut line = String::with_capacity(text.len() + 1);
    line.push_str(text);
    line.push('\n');
    write_stdout(line.as_bytes())
}

/// The time to use: `--now` when given, else the system clock.
pub fn now(arg: Option<u64>) -> Result<UnixTime, Failure> {
    match arg {
        Some(secs) => Ok(UnixTime::from_secs(secs)),
        None => system_time(),
    }
}

/// The system clock, in whole seconds since the Unix epoch.
///
/// The protocol core never reads the clock (time is an argument there); this binary is the
/// I/O edge that does, here and nowhere else, and passes `now` into the library.
#[allow(clippy::disallowed_methods)]
pub fn system_time() -> Result<UnixTime, Failure> {
    UnixTime::try_from(SystemTime::now())
        .map_err(|_| Failure::usage("the system clock is set before 1970"))
}
