//! Starting the kiosk window (`kiosk run`, `kiosk bench`): environment, configuration, policy.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use protocol::{Context, Policy};
use url::Url;

use crate::app::{self, BenchPlan, Options};
use crate::cli::{BenchArgs, RunArgs};
use crate::config::KioskConfig;

/// Points GTK and WebKit at X11 and keeps their caches out of the home directory.
///
/// Must run before GTK or iced start, while the process has a single thread.
fn prepare_environment(state_dir: &std::path::Path) {
    let cache = state_dir.join("cache");
    #[allow(unsafe_code)]
    // SAFETY: called before GTK and iced start; the command line, the configuration and the log
    // subscriber start no thread, so the process has a single thread here.
    unsafe {
        std::env::set_var("GDK_BACKEND", "x11");
        std::env::remove_var("WAYLAND_DISPLAY");
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
        std::env::set_var("XDG_CACHE_HOME", &cache);
    }
}

fn config_and_state(config: &std::path::Path, state_dir: Option<PathBuf>) -> (KioskConfig, PathBuf) {
    let (config, problem) = KioskConfig::load_or_default(config);
    if let Some(problem) = problem {
        tracing::warn!("{problem}");
    }
    let state_dir = state_dir.unwrap_or_else(|| config.state_dir.clone());
    (config, state_dir)
}

fn start_window(options: Options) -> ExitCode {
    prepare_environment(&options.state_dir);
    if let Err(error) = std::fs::create_dir_all(&options.state_dir) {
        eprintln!("kiosk: cannot create the station directory {}: {error}", options.state_dir.display());
        return ExitCode::FAILURE;
    }
    if let Err(error) = gtk::init() {
        eprintln!("kiosk: GTK cannot start (is DISPLAY set to an X11 display?): {error}");
        return ExitCode::FAILURE;
    }
    match app::run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kiosk: the window failed: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `kiosk run`.
pub fn run(args: RunArgs, process_start: Instant) -> ExitCode {
    let (config, state_dir) = config_and_state(&args.config, args.state_dir);
    let policy =
        args.policy.unwrap_or_else(|| config.policy.clone().unwrap_or_else(|| state_dir.join("policy.toml")));
    start_window(Options { policy, state_dir, config, process_start, bench: None })
}

/// `kiosk bench`: checks the URL against the policy first (exit 1 with the reason).
pub fn bench(args: BenchArgs, process_start: Instant) -> ExitCode {
    let (config, state_dir) = config_and_state(&args.config, args.state_dir.clone());
    let plan = match plan(&args) {
        Ok(plan) => plan,
        Err(reason) => {
            eprintln!("kiosk bench: {reason}");
            return ExitCode::FAILURE;
        }
    };
    start_window(Options { policy: args.policy, state_dir, config, process_start, bench: Some(plan) })
}

fn plan(args: &BenchArgs) -> Result<BenchPlan, String> {
    let name = args.policy.display().to_string();
    let text = std::fs::read_to_string(&args.policy)
        .map_err(|e| format!("{name}: cannot read the policy file: {e}"))?;
    let policy = Policy::parse(&text, &name).map_err(|e| e.to_string())?;
    let url = Url::parse(&args.url).map_err(|e| format!("{}: not a valid URL ({e})", args.url))?;
    if let Err(blocked) = policy.matcher().explain(&url, Context::TopLevel) {
        return Err(format!("{} is blocked by {name}: {blocked}", args.url));
    }
    let procedure = policy
        .procedures
        .iter()
        .find(|p| policy.procedure_matcher(&p.id).is_some_and(|m| m.allows(&url, Context::TopLevel)))
        .map(|p| p.id.clone())
        .ok_or_else(|| format!("{} is allowed only by a bundle no procedure uses", args.url))?;
    Ok(BenchPlan {
        url,
        procedure,
        sessions: args.sessions as usize,
        ready_title: args.ready_title.clone(),
        idle: args.idle_s.map(std::time::Duration::from_secs),
    })
}
