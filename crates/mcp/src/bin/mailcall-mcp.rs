//! `mailcall-mcp`: the MCP bridge on its own, the same server as `mailcall-cli mcp`.
//!
//! `mailcall-mcp [--config FILE] [--account NAME] [--http 127.0.0.1:PORT --token-file F]`

use std::process::ExitCode;

use mailcall_mcp::server::{run, Options};

fn options() -> Result<Options, String> {
    let mut o = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--config" => o.config = Some(value()?.into()),
            "--account" | "-a" => o.account = Some(value()?),
            "--http" => {
                let v = value()?;
                o.http = Some(
                    v.parse()
                        .map_err(|_| format!("{v:?} is not an address like 127.0.0.1:8765"))?,
                );
            }
            "--token-file" => o.token_file = Some(value()?.into()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(o)
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("mailcall-mcp: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mailcall-mcp: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime
        .block_on(async move { run(&options, mailcall_mail::interrupt::cancel_on_ctrl_c()).await });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mailcall-mcp: {}", mailcall_mcp::error::chain(&e));
            ExitCode::FAILURE
        }
    }
}
