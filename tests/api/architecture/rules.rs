//! The rule of dependency over the references of every file: what the layers below `api` may
//! not name, which layer may use which, and no cycle between top-level modules or between files.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use super::scan::{Reference, Target, module_of, scan};

/// The layers, top to bottom, and the top-level modules of each. A module may use modules of
/// its own layer and of the layers below. `config` reads the environment into `Settings` and
/// names the database URL type (`db::DbUrl`), so it sits with the services: `api`, the services
/// and the CLI read it; `db` and `domain` are handed what they need. `i18n`, the message
/// catalogue, is below everything: every layer names its messages, none of it knows a layer.
pub const LAYERS: &[(&str, &[&str])] = &[
    ("main", &["main", "cli", "books", "demo", "generate", "verify", "ops"]),
    ("api", &["api"]),
    (
        "services",
        &[
            "ledger",
            "receipts",
            "crosscheck",
            "tlog",
            "auth",
            "workflow",
            "config",
            "exchange",
        ],
    ),
    ("db", &["db"]),
    ("domain", &["domain"]),
    ("i18n", &["i18n"]),
];

/// Top-level modules below `api`: they know nothing of HTTP.
const BELOW_API: &[&str] = &[
    "exchange",
    "ledger",
    "receipts",
    "crosscheck",
    "tlog",
    "auth",
    "config",
    "db",
    "domain",
    "i18n",
];

/// What one check found.
#[derive(Default)]
pub struct Report {
    /// A module below `api` naming actix, utoipa's response types or `crate::api`.
    pub http_below_api: Vec<String>,
    /// A module using a module of a higher layer, or a module in no layer.
    pub layering: Vec<String>,
    /// Import cycles, between top-level modules and between files.
    pub cycles: Vec<String>,
    /// Distinct (file, named path) references between top-level modules.
    pub graph: BTreeMap<(String, String), usize>,
    pub parse_errors: Vec<String>,
}

impl Report {
    pub fn violations(&self) -> Vec<String> {
        let sections = [
            ("HTTP below api", &self.http_below_api),
            ("layering", &self.layering),
            ("cycle", &self.cycles),
            ("parse error", &self.parse_errors),
        ];
        sections
            .into_iter()
            .flat_map(|(kind, list)| list.iter().map(move |v| format!("{kind}: {v}")))
            .collect()
    }

    pub fn graph_text(&self) -> String {
        self.graph
            .iter()
            .map(|((from, to), n)| format!("{from} -> {to} ({n})\n"))
            .collect()
    }
}

fn layer_of(top: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&top))
}

/// What a module below `api` must not name, or `None`.
fn http_name(target: &Target) -> Option<String> {
    match target {
        Target::Crate(path) if path.first().is_some_and(|p| p == "api") => Some(format!("crate::{}", path.join("::"))),
        Target::External(path) => {
            let first = path.first()?.as_str();
            let second = path.get(1).map(String::as_str);
            let forbidden = first.starts_with("actix")
                || first == "utoipa_actix_web"
                || first == "utoipa_swagger_ui"
                || (first == "utoipa" && matches!(second, Some("IntoResponses" | "ToResponse" | "path")));
            forbidden.then(|| path.join("::"))
        }
        Target::Crate(_) => None,
    }
}

/// Checks the given files (path under the crate, source text).
pub fn check(files: &[(String, String)]) -> Report {
    let mut report = Report::default();
    // Every module there is, and the file that holds it.
    let mut file_of: HashMap<Vec<String>, String> = HashMap::new();
    let mut scanned = Vec::new();
    for (path, source) in files {
        let module = module_of(path);
        file_of.insert(module.clone(), path.clone());
        match scan(&module, source) {
            Ok(scan) => {
                for inline in &scan.inline_modules {
                    file_of.insert(inline.clone(), path.clone());
                }
                scanned.push((path.clone(), scan.references));
            }
            Err(e) => report.parse_errors.push(format!("{path}: {e}")),
        }
    }
    let mut file_edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut top_edges: BTreeMap<(String, String), BTreeSet<(String, Target)>> = BTreeMap::new();
    for (path, references) in &scanned {
        for reference in references {
            check_reference(path, reference, &file_of, &mut report, &mut file_edges, &mut top_edges);
        }
    }
    report.graph = top_edges.into_iter().map(|(edge, refs)| (edge, refs.len())).collect();
    for list in [&mut report.http_below_api, &mut report.layering] {
        list.sort();
        list.dedup();
    }
    let top_graph: BTreeMap<String, BTreeSet<String>> =
        report.graph.keys().fold(BTreeMap::new(), |mut g, (from, to)| {
            g.entry(from.clone()).or_default().insert(to.clone());
            g
        });
    for cycle in cycles(&top_graph) {
        report.cycles.push(format!("between modules: {}", cycle.join(" -> ")));
    }
    for cycle in cycles(&file_edges) {
        report.cycles.push(format!("between files: {}", cycle.join(" -> ")));
    }
    report
}

/// Classifies one reference of the file at `path`.
fn check_reference(
    path: &str,
    reference: &Reference,
    file_of: &HashMap<Vec<String>, String>,
    report: &mut Report,
    file_edges: &mut BTreeMap<String, BTreeSet<String>>,
    top_edges: &mut BTreeMap<(String, String), BTreeSet<(String, Target)>>,
) {
    let Some(from_top) = reference.module.first() else {
        return; // the crate root only lists the modules
    };
    if BELOW_API.contains(&from_top.as_str())
        && let Some(name) = http_name(&reference.target)
    {
        report.http_below_api.push(format!("{path}: {name}"));
    }
    let Target::Crate(target) = &reference.target else {
        return;
    };
    // The deepest module the path names: `crate::a::b::C` names `a::b`, or `a` if `b` is an item.
    let Some(named) = (0..=target.len())
        .rev()
        .map(|n| &target[..n])
        .find(|prefix| file_of.contains_key(*prefix))
    else {
        return;
    };
    let Some(to_top) = named.first() else {
        return;
    };
    if to_top != from_top {
        match (layer_of(from_top), layer_of(to_top)) {
            (Some(from), Some(to)) if to < from => report.layering.push(format!(
                "{from_top} ({}) uses {to_top} ({}), a layer above it",
                LAYERS[from].0, LAYERS[to].0
            )),
            (None, _) => report.layering.push(format!("{from_top} is in no layer")),
            (_, None) => report.layering.push(format!("{to_top} is in no layer")),
            _ => {}
        }
        top_edges
            .entry((from_top.clone(), to_top.clone()))
            .or_default()
            .insert((path.to_owned(), reference.target.clone()));
    }
    // Between files: a module and its own ancestor (a child using `super::X`, a parent
    // re-exporting a child) do not count.
    let from_file_module = module_of(path);
    let to_file = &file_of[named];
    let to_file_module = module_of(to_file);
    let related = from_file_module.starts_with(&to_file_module) || to_file_module.starts_with(&from_file_module);
    if to_file != path && !related {
        file_edges.entry(path.to_owned()).or_default().insert(to_file.clone());
    }
}

/// For every edge that closes a cycle, the shortest cycle through it, each cycle once (written
/// from its least node), so two cycles sharing a node are both told.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut found = BTreeSet::new();
    for (from, targets) in graph {
        for to in targets {
            let Some(back) = shortest_path(graph, to, from) else {
                continue;
            };
            // `back` runs from `to` to `from`; the cycle is from -> to -> … -> from.
            let mut cycle: Vec<String> = std::iter::once(from.clone()).chain(back).collect();
            cycle.pop();
            let least = (0..cycle.len()).min_by_key(|&i| &cycle[i]).unwrap_or(0);
            cycle.rotate_left(least);
            cycle.push(cycle[0].clone());
            found.insert(cycle);
        }
    }
    found.into_iter().collect()
}

/// The shortest path from `start` to `goal`, both included.
fn shortest_path(graph: &BTreeMap<String, BTreeSet<String>>, start: &str, goal: &str) -> Option<Vec<String>> {
    let mut came_from: HashMap<&str, &str> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    let mut seen = BTreeSet::from([start]);
    while let Some(node) = queue.pop_front() {
        if node == goal {
            let mut path = vec![node.to_owned()];
            let mut at = node;
            while let Some(previous) = came_from.get(at) {
                path.push((*previous).to_owned());
                at = previous;
            }
            path.reverse();
            return Some(path);
        }
        for next in graph.get(node).into_iter().flatten() {
            if seen.insert(next.as_str()) {
                came_from.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    None
}
