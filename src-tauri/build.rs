fn main() {
    // Capabilities live beside the host code, not at the package root.
    // Listing the app's commands makes Tauri deny each one unless a capability grants it.
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_info",
        "webview_setup",
        "subscribe",
        "accounts",
        "account_status",
        "test_account",
        "add_account",
        "update_account",
        "remove_account",
        "folders",
        "list_messages",
        "list_threads",
        "thread",
        "open_message",
        "search",
        "act",
        "undo",
        "reply_preview",
        "save_reply_draft",
        "create_folder",
        "rename_folder",
        "delete_folder",
        "sync_now",
        "settings",
        "set_settings",
        "saved_searches",
        "save_search",
        "delete_search",
        "set_remote_content",
        "waiting",
        "waiting_counts",
        "set_handled",
        "senders_report",
        "mark_sender",
        "save_attachment",
        "open_link",
        "subscribe_call",
        "subscribe_call_media",
        "request_key_frame",
        "call_profiles",
        "save_call_profile",
        "delete_call_profile",
        "join_call",
        "leave_call",
        "pin_feeds",
        "set_call_view",
        "call_roster",
        "search_roster",
    ]);
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*.json")
        .app_manifest(manifest);
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
