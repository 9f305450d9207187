fn main() {
    // Capabilities live beside the host code, not at the package root.
    // Listing the app's commands makes Tauri deny each one unless a capability grants it.
    let manifest = tauri_build::AppManifest::new().commands(&["app_info", "webview_setup"]);
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*.json")
        .app_manifest(manifest);
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
