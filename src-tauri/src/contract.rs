//! The UI contract: every command and event the page may use, declared once here and
//! exported to `ui/src/lib/bindings.ts` by tauri-specta. A test fails when the committed
//! bindings drift from this declaration; `make bindings` regenerates them.

use specta_typescript::Typescript;
use tauri_specta::{collect_commands, collect_events, Builder};

use crate::{assistants, call, commands, insights, mail, outside, sorting};

/// Where the generated bindings are committed, relative to the workspace root.
pub const BINDINGS_PATH: &str = "ui/src/lib/bindings.ts";

/// The builder holding all typed commands and events.
pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            commands::app_info,
            commands::webview_setup,
            mail::subscribe,
            mail::accounts,
            mail::account_status,
            mail::test_account,
            mail::add_account,
            mail::update_account,
            mail::remove_account,
            mail::folders,
            mail::list_messages,
            mail::list_threads,
            mail::thread,
            mail::open_message,
            mail::search,
            mail::act,
            mail::undo,
            mail::reply_preview,
            mail::save_reply_draft,
            mail::create_folder,
            mail::rename_folder,
            mail::delete_folder,
            mail::sync_now,
            mail::settings,
            mail::set_settings,
            mail::saved_searches,
            mail::save_search,
            mail::delete_search,
            mail::set_remote_content,
            insights::waiting,
            insights::waiting_counts,
            insights::set_handled,
            insights::senders_report,
            insights::mark_sender,
            insights::first_lines,
            sorting::sort_rules,
            sorting::save_sort_rule,
            sorting::delete_sort_rule,
            sorting::preview_sort,
            sorting::preview_rows,
            sorting::apply_sort,
            sorting::approve_sort_plan,
            sorting::discard_sort_plan,
            sorting::cancel_sort,
            sorting::sort_plans,
            assistants::assistant_status,
            assistants::set_assistants,
            assistants::set_allow_changes,
            assistants::assistant_activity,
            outside::save_attachment,
            outside::open_link,
            call::subscribe_call,
            call::subscribe_call_media,
            call::request_key_frame,
            call::call_profiles,
            call::save_call_profile,
            call::delete_call_profile,
            call::join_call,
            call::leave_call,
            call::pin_feeds,
            call::set_call_view,
            call::call_roster,
            call::search_roster
        ])
        .events(collect_events![commands::CoreNotice, outside::LinkClicked])
}

/// Writes the TypeScript bindings to `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    let header = "// Generated from src-tauri/src/contract.rs by `make bindings`. Do not edit.\n";
    specta_builder()
        .export(Typescript::default().header(header), path)
        .map_err(|e| format!("cannot export bindings to {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails when ui/src/lib/bindings.ts differs from what the Rust side declares.
    /// `MAILCALL_WRITE_BINDINGS=1` rewrites the committed file instead.
    #[test]
    fn committed_bindings_match_the_rust_contract() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let committed = root.join(BINDINGS_PATH);
        if std::env::var_os("MAILCALL_WRITE_BINDINGS").is_some() {
            export_bindings(&committed).expect("export");
            return;
        }
        let dir = tempfile_dir();
        let fresh = dir.join("bindings.ts");
        export_bindings(&fresh).expect("export");
        let want = std::fs::read_to_string(&fresh).expect("read fresh bindings");
        let have = std::fs::read_to_string(&committed).unwrap_or_default();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            want == have,
            "{BINDINGS_PATH} is out of date with src-tauri/src/contract.rs: run `make bindings`"
        );
    }

    /// A command the page can call but no capability grants is refused at run time with
    /// nothing in the window to show it: every command of the contract must be listed in
    /// `src-tauri/build.rs` and granted to the main window.
    #[test]
    fn every_command_is_listed_and_granted_to_the_main_window() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let read = |p: &str| std::fs::read_to_string(root.join(p)).expect(p);
        let bindings = read(BINDINGS_PATH);
        let build = read("src-tauri/build.rs");
        let granted = read("src-tauri/capabilities/main.json");
        let commands: Vec<&str> = bindings
            .split("__TAURI_INVOKE(\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert!(commands.len() > 40, "{commands:?}");
        for command in commands {
            assert!(
                build.contains(&format!("\"{command}\"")),
                "{command} is not listed in src-tauri/build.rs"
            );
            let permission = format!("\"allow-{}\"", command.replace('_', "-"));
            assert!(
                granted.contains(&permission),
                "{command} is not granted in src-tauri/capabilities/main.json"
            );
        }
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("mailcall-bindings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        dir
    }
}
