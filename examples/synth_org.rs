//! A synthetic organisation for the benchmark (`scripts/bench`): users, groups and profiles at a
//! given size, written as a profiles folder in the layout a big organisation would use (one file
//! per profile team, people and groups split over a few files).
//!
//! The output depends only on the size and the seed (a splitmix64 generator, no crate), so every
//! machine benchmarks the same input. Every user is in a group (at most 20 a group) or a direct
//! member, and every group is used by a profile, so the build reports no warnings (but the
//! root-scale one); a profile reaches about 25 users, through one group, a nested group now and
//! then, and a few direct members.
//!
//! ```text
//! cargo run --release --example synth_org -- --size L [--seed 5] [--change-one] OUT_DIR
//! ```
//! `--change-one` gives one profile (the middle one) another member and a bigger quota: the
//! "one-profile change" the benchmark diffs against the unchanged rendering.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Profiles, users, groups of a named size.
const SIZES: &[(&str, usize, usize, usize)] =
    &[("S", 50, 200, 20), ("M", 500, 2_000, 100), ("L", 2_000, 10_000, 500), ("XL", 10_000, 50_000, 2_000)];

/// Users per group at most; past that, users are direct members of a profile. Keeps a profile at
/// about 25 members at every size.
const GROUP_SIZE: usize = 20;

/// How many users go into one `people-NN.yaml` file, and profiles into one `teams/` file.
const USERS_PER_FILE: usize = 1_000;

const FIRST: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "fatima", "grace", "hiro", "ines", "joao", "kwame", "liam", "marta",
    "nadia", "olu", "priya", "quinn", "rahul", "seun", "tomasz", "uma", "vera", "wei", "xena", "yusuf", "zoe",
];
const LAST: &[&str] = &[
    "adams", "brown", "chen", "diaz", "evans", "fischer", "garcia", "hughes", "ito", "jones", "kim", "lopez", "moreau",
    "nowak", "okafor", "patel", "rossi", "silva", "tanaka", "ulrich", "varga", "weber", "yilmaz", "zhou",
];
const DEPARTMENTS: &[&str] = &["research", "platform", "ads", "risk", "search", "vision", "speech", "health"];
const TOPICS: &[&str] =
    &["ranking", "forecast", "fraud", "nlp", "recsys", "churn", "pricing", "anomaly", "vision", "speech", "ocr", "ltv"];

/// splitmix64 (Steele, Lea, Flood 2014): tiny, fast, and the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (the modulo bias is irrelevant here).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

struct Args {
    profiles: usize,
    users: usize,
    groups: usize,
    seed: u64,
    change_one: bool,
    out: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut size = None;
    let mut seed = 5;
    let mut change_one = false;
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--size" => size = args.next(),
            "--seed" => seed = args.next().and_then(|s| s.parse().ok()).ok_or("--seed needs a number")?,
            "--change-one" => change_one = true,
            s if !s.starts_with('-') && out.is_none() => out = Some(PathBuf::from(s)),
            s => return Err(format!("unexpected argument `{s}`")),
        }
    }
    let size = size.ok_or("--size S|M|L|XL is required")?;
    let &(_, profiles, users, groups) =
        SIZES.iter().find(|(n, ..)| n.eq_ignore_ascii_case(&size)).ok_or(format!("unknown size `{size}`"))?;
    let out = out.ok_or("the output folder is required")?;
    Ok(Args { profiles, users, groups, seed, change_one, out })
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("synth_org: {e}\nusage: synth_org --size S|M|L|XL [--seed N] [--change-one] OUT_DIR");
            std::process::exit(2);
        }
    };
    if let Err(e) = generate(&args) {
        eprintln!("synth_org: {e}");
        std::process::exit(2);
    }
}

fn user_id(u: usize) -> String {
    format!("u{u:06}")
}

fn group_id(g: usize) -> String {
    format!("{}-g{g:05}", DEPARTMENTS[g % DEPARTMENTS.len()])
}

fn generate(args: &Args) -> std::io::Result<()> {
    let mut rng = Rng(args.seed);
    let (n_users, n_groups, n_profiles) = (args.users, args.groups, args.profiles);

    // Users: a realistic mix of email shapes, unique by their number.
    let emails: Vec<String> = (0..n_users)
        .map(|u| {
            let first = FIRST[rng.below(FIRST.len())];
            let last = LAST[rng.below(LAST.len())];
            let domain = DEPARTMENTS[rng.below(DEPARTMENTS.len())];
            match rng.below(4) {
                0 => format!("{first}.{last}{u}@{domain}.example.com"),
                1 => format!("{first}_{last}.{u}@example.com"),
                2 => format!("{}{last}{u}@example.com", &first[..1]),
                _ => format!("{first}.{last}+ml{u}@corp.example.org"),
            }
        })
        .collect();

    // Groups: every user in one group (a shuffled deal), some in a second; a tenth of the
    // groups also include an earlier group (nested, never a cycle).
    let mut order: Vec<usize> = (0..n_users).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut group_users: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n_groups];
    let in_groups = n_users.min(GROUP_SIZE * n_groups);
    for (i, &u) in order[..in_groups].iter().enumerate() {
        group_users[i % n_groups].insert(u);
        if rng.chance(10) {
            group_users[rng.below(n_groups)].insert(u);
        }
    }
    // Users beyond the groups' capacity are direct members of one profile each.
    let mut leftovers: Vec<Vec<usize>> = vec![Vec::new(); n_profiles];
    for (i, &u) in order[in_groups..].iter().enumerate() {
        leftovers[i % n_profiles].push(u);
    }
    let group_children: Vec<Vec<usize>> =
        (0..n_groups).map(|g| if g > 0 && rng.chance(10) { vec![rng.below(g)] } else { vec![] }).collect();

    let files = &args.out;
    std::fs::create_dir_all(files.join("people"))?;
    std::fs::create_dir_all(files.join("teams"))?;
    write(
        &files.join("settings.yaml"),
        "# Synthetic organisation for the kfprofiles benchmark.\n\
         settings:\n\
         \x20 namespaceLabels:\n\
         \x20   pod-security.kubernetes.io/enforce: baseline\n\
         profileDefaults:\n\
         \x20 ownerEmail: platform-admin@example.com\n\
         \x20 memberAccess: {role: view, notebooksAccess: false}\n\
         \x20 resourceQuotaSpec:\n\
         \x20   hard: {cpu: \"8\", memory: 32Gi, persistentvolumeclaims: \"10\"}\n",
    )?;
    for (part, chunk) in emails.chunks(USERS_PER_FILE).enumerate() {
        let mut text = String::from("users:\n");
        for (i, email) in chunk.iter().enumerate() {
            writeln!(text, "  - {{id: {}, email: {email}}}", user_id(part * USERS_PER_FILE + i)).unwrap();
        }
        write(&files.join(format!("people/people-{part:03}.yaml")), &text)?;
    }
    for (dept, dept_name) in DEPARTMENTS.iter().enumerate() {
        let mut text = String::from("groups:\n");
        for g in (dept..n_groups).step_by(DEPARTMENTS.len()) {
            let users: Vec<String> = group_users[g].iter().map(|&u| user_id(u)).collect();
            writeln!(text, "  - id: {}\n    users: [{}]", group_id(g), users.join(", ")).unwrap();
            if !group_children[g].is_empty() {
                let children: Vec<String> = group_children[g].iter().map(|&c| group_id(c)).collect();
                writeln!(text, "    groups: [{}]", children.join(", ")).unwrap();
            }
        }
        write(&files.join(format!("people/groups-{dept_name}.yaml")), &text)?;
    }

    // Profiles: one file each (one file per team). Each reaches one group (every group is used)
    // plus a few users directly; the owner is usually in that group.
    let changed = args.change_one.then_some(n_profiles / 2);
    for p in 0..n_profiles {
        let name = format!("{}-{}-{p:05}", DEPARTMENTS[p % DEPARTMENTS.len()], TOPICS[rng.below(TOPICS.len())]);
        let group = p % n_groups;
        let in_group: Vec<usize> = group_users[group].iter().copied().collect();
        let owner = if rng.chance(80) { in_group[rng.below(in_group.len())] } else { rng.below(n_users) };
        let mut text = format!("profiles:\n  - name: {name}\n    owner: {}\n    members:\n", user_id(owner));
        let role = ["view", "edit", "edit", "admin"][rng.below(4)];
        let notebooks = role != "view" && rng.chance(70);
        writeln!(
            text,
            "      - group: {}\n        access: {{role: {role}, notebooksAccess: {notebooks}}}",
            group_id(group)
        )
        .unwrap();
        let mut direct: BTreeSet<usize> = leftovers[p].iter().copied().filter(|&u| u != owner).collect();
        let extra = direct.len() + rng.below(5);
        while direct.len() < extra {
            let u = rng.below(n_users);
            if u != owner {
                direct.insert(u);
            }
        }
        for &u in &direct {
            let access = match rng.below(3) {
                0 => "{role: edit, notebooksAccess: true}",
                1 => "{role: edit}",
                _ => "{role: view}",
            };
            writeln!(text, "      - user: {}\n        access: {access}", user_id(u)).unwrap();
        }
        if changed == Some(p) {
            // The change draws from its own generator: every other profile stays as it was.
            let mut other = Rng(args.seed ^ 0xC4A6_6E00);
            let newcomer = loop {
                let u = other.below(n_users);
                if u != owner && !direct.contains(&u) && !group_users[group].contains(&u) {
                    break u;
                }
            };
            writeln!(
                text,
                "      - user: {}\n        access: {{role: edit, notebooksAccess: true}}",
                user_id(newcomer)
            )
            .unwrap();
        }
        let (quota, gpus) = (rng.chance(30), rng.below(4) + 1);
        if changed == Some(p) {
            text.push_str(
                "    resourceQuotaSpec:\n      hard: {cpu: \"64\", memory: 256Gi, requests.nvidia.com/gpu: \"8\"}\n",
            );
        } else if quota {
            writeln!(
                text,
                "    resourceQuotaSpec:\n      hard: {{cpu: \"{}\", memory: {}Gi, requests.nvidia.com/gpu: \"{gpus}\"}}",
                gpus * 8,
                gpus * 32
            )
            .unwrap();
        }
        match rng.below(10) {
            0 => writeln!(
                text,
                "    plugins:\n      - kind: WorkloadIdentity\n        spec: {{gcpServiceAccount: {name}@ml-prod.iam.gserviceaccount.com}}"
            )
            .unwrap(),
            1 => writeln!(
                text,
                "    plugins:\n      - kind: AwsIamForServiceAccount\n        spec: {{awsIamRole: \"arn:aws:iam::123456789012:role/{name}\", annotateOnly: true}}"
            )
            .unwrap(),
            _ => {}
        }
        if rng.chance(20) {
            writeln!(text, "    labels: {{cost-center: cc-{:04}}}", rng.below(10_000)).unwrap();
        }
        write(&files.join(format!("teams/{name}.yaml")), &text)?;
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}
