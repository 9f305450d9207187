//! `sort plan` (a dry run that stores the plan and prints counts and samples per target)
//! and `sort apply PLAN_ID` (the moves on the server, with a progress bar; Ctrl-C stops
//! after the current chunk, and running the same command again resumes).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mailcall_mail::{apply_sort_plan, plan_sort, ApplyOptions, Rule, RuleSet, SortEvent, SortPlan};

use crate::output::{cut, date, Output};

#[derive(Debug, Subcommand)]
pub enum SortCommand {
    /// Plan moves by rules over the cache; nothing is touched. Prints the plan id.
    Plan(Box<PlanArgs>),
    /// Apply a stored plan on the server (resumes an interrupted apply).
    Apply {
        plan_id: String,
        /// Most messages per server command.
        #[arg(long, default_value_t = 500)]
        chunk: usize,
    },
    /// Show a stored plan and how far applying it got.
    Show { plan_id: String },
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// A TOML rules file (`[[rule]]` tables); without it, one rule from the flags below.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Target folder of the command-line rule.
    #[arg(long)]
    pub to: Option<String>,
    /// Sender domain; repeatable.
    #[arg(long = "from-domain")]
    pub from_domain: Vec<String>,
    /// Sender address; repeatable.
    #[arg(long = "from")]
    pub from: Vec<String>,
    /// Part of the List-Id.
    #[arg(long)]
    pub list: Option<String>,
    /// A query in the search language.
    #[arg(long)]
    pub query: Option<String>,
    #[arg(long)]
    pub older_than_days: Option<u32>,
    /// Only automated mail (lists, bulk, no-reply).
    #[arg(long, conflicts_with = "human")]
    pub automated: bool,
    /// Only mail from people.
    #[arg(long)]
    pub human: bool,
    /// Source folders; INBOX when left out. Repeatable.
    #[arg(long = "folder")]
    pub folders: Vec<String>,
}

impl PlanArgs {
    fn rules(&self) -> anyhow::Result<RuleSet> {
        if let Some(path) = &self.rules {
            return Ok(RuleSet::load(path)?);
        }
        let Some(to) = &self.to else {
            anyhow::bail!("give --rules FILE, or --to FOLDER with at least one condition");
        };
        let mut rule = Rule::to(to);
        rule.from = self.from_domain.iter().chain(&self.from).cloned().collect();
        rule.list = self.list.clone();
        rule.query = self.query.clone();
        rule.older_than_days = self.older_than_days;
        rule.automated = match (self.automated, self.human) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        };
        rule.folders = self.folders.clone();
        let set = RuleSet { rules: vec![rule] };
        set.validate()?;
        Ok(set)
    }
}

fn print_plan(plan: &SortPlan) {
    println!("plan {}: {} message(s)", plan.id, plan.total());
    for t in &plan.targets {
        println!("{:>7}  -> {}", t.count, t.folder);
        for s in &t.samples {
            println!(
                "         {}  {:<28} {}",
                date(s.date),
                cut(&s.from, 28),
                cut(&s.subject, 50)
            );
        }
    }
    if plan.total() > 0 {
        println!("apply with: mailcall-cli sort apply {}", plan.id);
    }
}

pub async fn run(
    cmd: &SortCommand,
    config_path: &Path,
    account: Option<&str>,
    out: &Output,
) -> anyhow::Result<()> {
    let (account, mut store) = crate::cache::account_cache(config_path, account).await?;
    match cmd {
        SortCommand::Plan(args) => {
            let rules = args.rules()?;
            let plan = plan_sort(&rules, &store, crate::change::now())?;
            store.save_sort_plan(&plan)?;
            out.show(&plan, print_plan)
        }
        SortCommand::Show { plan_id } => {
            let (plan, state) = store
                .sort_plan(plan_id)?
                .ok_or_else(|| mailcall_mail::Error::NoSortPlan(plan_id.clone()))?;
            let progress = store.sort_progress(plan_id)?;
            let doc = serde_json::json!({ "plan": plan, "state": state, "progress": progress });
            out.show(&doc, |_| {
                print_plan(&plan);
                println!("state: {state:?}; {} moved so far", progress.moved);
            })
        }
        SortCommand::Apply { plan_id, chunk } => {
            let cancel = mailcall_mail::interrupt::cancel_on_ctrl_c();
            let bar = ProgressBar::new(0);
            if out.json || !std::io::stderr().is_terminal() {
                bar.set_draw_target(ProgressDrawTarget::hidden());
            }
            let style = ProgressStyle::with_template("{prefix:>8} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix("sorting");
            let b = bar.clone();
            let mut paint = move |e: SortEvent| match e {
                SortEvent::Started { chunks, done, .. } => {
                    b.set_length(chunks as u64);
                    b.set_position(done as u64);
                }
                SortEvent::FoldersCreated { folders } => {
                    b.set_message(format!("created {}", folders.join(", ")))
                }
                SortEvent::ChunkDone { done, .. } => b.set_position(done as u64),
                _ => {}
            };
            let mut conn = crate::change::connect(&account).await?;
            let opts = ApplyOptions { chunk_size: *chunk };
            let result =
                apply_sort_plan(&mut conn, &mut store, plan_id, &opts, &mut paint, &cancel).await;
            bar.finish_and_clear();
            conn.logout().await;
            let report = match result {
                Err(mailcall_mail::Error::Cancelled) => {
                    anyhow::bail!("cancelled; run `mailcall-cli sort apply {plan_id}` to resume")
                }
                other => other?,
            };
            out.show(&report, |r| {
                println!("{} of {} planned message(s) moved", r.moved, r.planned);
                if r.missing > 0 {
                    println!("{} were gone already and were left alone", r.missing);
                }
                for f in &r.created_folders {
                    println!("created folder {f}");
                }
            })
        }
    }
}
