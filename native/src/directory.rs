//! Lookups over a routing snapshot, in plain Rust (no pyo3 here).
//!
//! Mirrors `routing.directory.PyDirectory`, the reference. Dialed strings are
//! classified exactly as it does, including its Unicode guard: Python's
//! `str.isdigit()` accepts non-ASCII digits (`"٣"`, `"²"`), so the reference
//! rejects anything that is not ASCII first, and so does [`route`].
//!
//! * `1`-`6` ASCII digits: a short number in the caller's team -> the team's
//!   dial plan, or [`Route::NotFound`];
//! * `*` and `1`-`4` ASCII digits: [`Route::Feature`];
//! * `+` and `7`-`15` ASCII digits, or `7`-`15` ASCII digits: [`Route::External`],
//!   normalised to `+<digits>`;
//! * anything else: [`Route::Invalid`].
//!
//! Duplicate keys keep the last entry, as a Python dict built in order does.

use std::collections::HashMap;

/// A SIP extension's credentials; its username is `<team>-<number>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub team: String,
    pub number: String,
    pub ha1: String,
}

/// What a short number inside a team points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: String,
    pub target: String,
}

/// Where an inbound number (DID) goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub team: String,
    pub kind: String,
    pub target: String,
}

/// A carrier recognised by its source address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trunk {
    pub team: String,
    pub name: String,
}

/// A carrier trunk an outbound call can leave through, and how the call is presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundTrunk {
    pub name: String,
    pub host: String,
    pub port: i64,
    /// The number presented in From; empty keeps the caller's From.
    pub caller_id: String,
    pub strip_digits: i64,
    pub add_prefix: String,
    /// Concurrent outbound calls allowed; 0: no limit.
    pub max_calls: i64,
}

/// Row form of [`OutboundTrunk`]: (name, host, port, caller id, strip digits, add prefix,
/// max calls).
pub type TrunkRow = (String, String, i64, String, i64, String, i64);

/// The trunks an owner's outbound calls use, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbound {
    /// Names the trunk or trunk group (round-robin counters are kept per key).
    pub key: String,
    /// `failover` or `round_robin`.
    pub policy: String,
    pub trunks: Vec<OutboundTrunk>,
}

/// A short number ringing several extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingGroup {
    pub strategy: String,
    pub ring_timeout_s: i64,
    /// SIP usernames, in the group's order.
    pub members: Vec<String>,
}

/// The agent fixed to an extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedAgent {
    pub agent_id: String,
    pub working_way: String,
}

/// One team's short numbers.
pub type DialPlan = HashMap<String, Target>;

/// The answer to "team T dialed D".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route<'a> {
    /// A short number found in the caller's team.
    Target(&'a Target),
    /// A well-formed short number the caller's team does not have.
    NotFound,
    /// A feature code, returned as dialed (`*64`).
    Feature(&'a str),
    /// An external number, normalised to `+<digits>`.
    External(String),
    /// Anything else.
    Invalid,
}

impl Route<'_> {
    /// The first element of the Python `(kind, target)` pair.
    #[must_use]
    pub fn kind(&self) -> &str {
        match self {
            Route::Target(t) => &t.kind,
            Route::NotFound => "not_found",
            Route::Feature(_) => "feature",
            Route::External(_) => "external",
            Route::Invalid => "invalid",
        }
    }

    /// The second element of the Python `(kind, target)` pair.
    #[must_use]
    pub fn target(&self) -> &str {
        match self {
            Route::Target(t) => &t.target,
            Route::Feature(code) => code,
            Route::External(number) => number,
            Route::NotFound | Route::Invalid => "",
        }
    }
}

/// `+15550101` or `15550101` -> `+15550101`; anything else -> `None`.
#[must_use]
pub fn normalize_e164(number: &str) -> Option<String> {
    let digits = number.strip_prefix('+').unwrap_or(number);
    // All ASCII, so the byte length is Python's `len()`.
    if (7..=15).contains(&digits.len()) && all_ascii_digits(digits) {
        Some(format!("+{digits}"))
    } else {
        None
    }
}

/// Python's `s.isascii() and s.isdigit()`: non-empty, `0`-`9` only.
fn all_ascii_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Classify `dialed` for a caller whose team has `plan` (`None`: no plan).
#[must_use]
pub fn route<'a>(plan: Option<&'a DialPlan>, dialed: &'a str) -> Route<'a> {
    if !dialed.is_ascii() {
        return Route::Invalid;
    }
    if (1..=6).contains(&dialed.len()) && all_ascii_digits(dialed) {
        return match plan.and_then(|p| p.get(dialed)) {
            Some(target) => Route::Target(target),
            None => Route::NotFound,
        };
    }
    if let Some(code) = dialed.strip_prefix('*') {
        if (1..=4).contains(&code.len()) && all_ascii_digits(code) {
            return Route::Feature(dialed);
        }
    }
    match normalize_e164(dialed) {
        Some(number) => Route::External(number),
        None => Route::Invalid,
    }
}

/// The lookups a worker needs, built once per snapshot.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    accounts: HashMap<String, Account>,
    plans: HashMap<String, DialPlan>,
    dids: HashMap<String, Destination>,
    trunks: HashMap<String, Trunk>,
    outbound: HashMap<String, Outbound>,
    /// team -> ring group number -> group (nested: lookups borrow, never allocate).
    ring_groups: HashMap<String, HashMap<String, RingGroup>>,
    fixed_agents: HashMap<String, FixedAgent>,
}

impl Directory {
    /// Build from the snapshot's rows; tuples are in the order the Python
    /// constructor takes them.
    pub fn new(
        accounts: impl IntoIterator<Item = (String, String, String)>,
        dial_targets: impl IntoIterator<Item = (String, String, String, String)>,
        dids: impl IntoIterator<Item = (String, String, String, String)>,
        trunks: impl IntoIterator<Item = (String, String, String)>,
    ) -> Self {
        let mut directory = Self::default();
        for (team, number, ha1) in accounts {
            let username = format!("{team}-{number}");
            let account = Account { team, number, ha1 };
            directory.accounts.insert(username, account);
        }
        for (team, number, kind, target) in dial_targets {
            let plan = directory.plans.entry(team).or_default();
            plan.insert(number, Target { kind, target });
        }
        for (number, team, kind, target) in dids {
            let destination = Destination { team, kind, target };
            directory.dids.insert(number, destination);
        }
        for (address, team, name) in trunks {
            directory.trunks.insert(address, Trunk { team, name });
        }
        directory
    }

    /// Add outbound routes `(owner, key, policy, trunks)`, ring groups `(team, number,
    /// strategy, ring timeout s, members)` and fixed agents `(username, agent id,
    /// working way)`; duplicate keys keep the last entry.
    #[must_use]
    pub fn with_routes(
        mut self,
        outbound: impl IntoIterator<Item = (String, String, String, Vec<TrunkRow>)>,
        ring_groups: impl IntoIterator<Item = (String, String, String, i64, Vec<String>)>,
        fixed_agents: impl IntoIterator<Item = (String, String, String)>,
    ) -> Self {
        for (owner, key, policy, rows) in outbound {
            let trunks = rows
                .into_iter()
                .map(
                    |(name, host, port, caller_id, strip_digits, add_prefix, max_calls)| {
                        OutboundTrunk {
                            name,
                            host,
                            port,
                            caller_id,
                            strip_digits,
                            add_prefix,
                            max_calls,
                        }
                    },
                )
                .collect();
            self.outbound.insert(
                owner,
                Outbound {
                    key,
                    policy,
                    trunks,
                },
            );
        }
        for (team, number, strategy, ring_timeout_s, members) in ring_groups {
            let group = RingGroup {
                strategy,
                ring_timeout_s,
                members,
            };
            self.ring_groups
                .entry(team)
                .or_default()
                .insert(number, group);
        }
        for (username, agent_id, working_way) in fixed_agents {
            self.fixed_agents.insert(
                username,
                FixedAgent {
                    agent_id,
                    working_way,
                },
            );
        }
        self
    }

    /// The outbound route of a SIP username (its user group's) or a team slug (the
    /// team's default).
    #[must_use]
    pub fn outbound(&self, owner: &str) -> Option<&Outbound> {
        self.outbound.get(owner)
    }

    /// The ring group `number` of `team`.
    #[must_use]
    pub fn ring_group(&self, team: &str, number: &str) -> Option<&RingGroup> {
        self.ring_groups
            .get(team)
            .and_then(|groups| groups.get(number))
    }

    /// The agent fixed to the extension whose SIP username is `username`.
    #[must_use]
    pub fn fixed_agent(&self, username: &str) -> Option<&FixedAgent> {
        self.fixed_agents.get(username)
    }

    /// The account whose SIP username is `username` (`<team>-<number>`).
    #[must_use]
    pub fn account(&self, username: &str) -> Option<&Account> {
        self.accounts.get(username)
    }

    /// The short numbers of `team`, if it has any.
    #[must_use]
    pub fn plan(&self, team: &str) -> Option<&DialPlan> {
        self.plans.get(team)
    }

    /// What `dialed` means for a caller in `team`.
    #[must_use]
    pub fn dial<'a>(&'a self, team: &str, dialed: &'a str) -> Route<'a> {
        route(self.plan(team), dialed)
    }

    /// Where the inbound number goes; `number` is normalised first.
    #[must_use]
    pub fn did(&self, number: &str) -> Option<&Destination> {
        normalize_e164(number).and_then(|n| self.dids.get(&n))
    }

    /// The carrier sending from `address`.
    #[must_use]
    pub fn trunk_by_address(&self, address: &str) -> Option<&Trunk> {
        self.trunks.get(address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> String {
        v.to_owned()
    }

    fn sample() -> Directory {
        Directory::new(
            [
                (s("demo"), s("5001"), s("ha1-demo-5001")),
                (s("acme"), s("5001"), s("ha1-acme-5001")),
            ],
            [
                (s("demo"), s("5001"), s("extension"), s("demo-5001")),
                (s("demo"), s("5002"), s("agent_group"), s("sales")),
                (s("demo"), s("600"), s("ring_group"), s("support")),
                (s("acme"), s("5002"), s("extension"), s("acme-5002")),
            ],
            [
                (s("+15550101"), s("demo"), s("agent_group"), s("sales")),
                (s("15550199"), s("acme"), s("extension"), s("acme-5002")),
            ],
            [(s("192.0.2.10"), s("demo"), s("carrier-a"))],
        )
    }

    fn pair<'a>(r: &'a Route<'a>) -> (&'a str, &'a str) {
        (r.kind(), r.target())
    }

    #[test]
    fn test_short_number_in_plan_returns_its_target() {
        let d = sample();
        assert_eq!(pair(&d.dial("demo", "5001")), ("extension", "demo-5001"));
        assert_eq!(pair(&d.dial("demo", "5002")), ("agent_group", "sales"));
        assert_eq!(pair(&d.dial("demo", "600")), ("ring_group", "support"));
    }

    #[test]
    fn test_team_acme_dialing_5002_gets_acme_target_never_demo() {
        let d = sample();
        assert_eq!(pair(&d.dial("acme", "5002")), ("extension", "acme-5002"));
        assert_eq!(pair(&d.dial("demo", "5002")), ("agent_group", "sales"));
        // acme has no 600: demo's ring group must not leak across.
        assert_eq!(d.dial("acme", "600"), Route::NotFound);
    }

    #[test]
    fn test_short_number_missing_or_unknown_team_is_not_found() {
        let d = sample();
        assert_eq!(pair(&d.dial("demo", "1")), ("not_found", ""));
        assert_eq!(d.dial("demo", "999999"), Route::NotFound);
        assert_eq!(d.dial("nobody", "5001"), Route::NotFound);
        assert_eq!(d.dial("", "5001"), Route::NotFound);
    }

    #[test]
    fn test_seven_digits_is_external_not_short() {
        let d = sample();
        assert_eq!(pair(&d.dial("demo", "5550101")), ("external", "+5550101"));
    }

    #[test]
    fn test_feature_codes_are_star_and_one_to_four_digits() {
        let d = sample();
        assert_eq!(pair(&d.dial("demo", "*6")), ("feature", "*6"));
        assert_eq!(pair(&d.dial("demo", "*64")), ("feature", "*64"));
        assert_eq!(pair(&d.dial("demo", "*6400")), ("feature", "*6400"));
        assert_eq!(d.dial("demo", "*"), Route::Invalid);
        assert_eq!(d.dial("demo", "*64000"), Route::Invalid);
        assert_eq!(d.dial("demo", "*6a"), Route::Invalid);
        assert_eq!(d.dial("demo", "**6"), Route::Invalid);
        assert_eq!(d.dial("demo", "*+64"), Route::Invalid);
    }

    #[test]
    fn test_external_numbers_are_normalised_with_plus() {
        let d = sample();
        assert_eq!(
            pair(&d.dial("demo", "+15550101")),
            ("external", "+15550101")
        );
        assert_eq!(pair(&d.dial("demo", "15550101")), ("external", "+15550101"));
        assert_eq!(
            pair(&d.dial("demo", "123456789012345")),
            ("external", "+123456789012345")
        );
        assert_eq!(pair(&d.dial("demo", "+1234567")), ("external", "+1234567"));
    }

    #[test]
    fn test_external_length_bounds() {
        let d = sample();
        assert_eq!(d.dial("demo", "+123456"), Route::Invalid);
        assert_eq!(d.dial("demo", "1234567890123456"), Route::Invalid);
        assert_eq!(d.dial("demo", "+1234567890123456"), Route::Invalid);
        // Six digits after "+" is neither short (has "+") nor external.
        assert_eq!(d.dial("demo", "+500100"), Route::Invalid);
        assert_eq!(d.dial("demo", "+5001"), Route::Invalid);
    }

    #[test]
    fn test_anything_else_is_invalid() {
        let d = sample();
        for dialed in [
            "",
            "+",
            "++15550101",
            "demo-5001",
            "abc",
            "50 01",
            " 5001",
            "5001\n",
            "-5001",
            "1e5",
            "+1555010a",
        ] {
            assert_eq!(pair(&d.dial("demo", dialed)), ("invalid", ""), "{dialed:?}");
        }
    }

    #[test]
    fn test_non_ascii_digits_are_invalid_like_the_reference() {
        let d = sample();
        // Python's isdigit() is true for all of these; isascii() is not.
        for dialed in [
            "٣",
            "٥٠٠١",
            "²",
            "５００１",
            "*٦٤",
            "+١٥٥٥٠١٠١",
            "१२३४५६७८",
            "5001\u{0660}",
        ] {
            assert_eq!(d.dial("demo", dialed), Route::Invalid, "{dialed:?}");
            assert_eq!(d.did(dialed), None, "{dialed:?}");
            assert_eq!(normalize_e164(dialed), None, "{dialed:?}");
        }
    }

    #[test]
    fn test_normalize_e164() {
        assert_eq!(normalize_e164("+15550101").as_deref(), Some("+15550101"));
        assert_eq!(normalize_e164("15550101").as_deref(), Some("+15550101"));
        assert_eq!(normalize_e164("1234567").as_deref(), Some("+1234567"));
        assert_eq!(normalize_e164("123456"), None);
        assert_eq!(normalize_e164("1234567890123456"), None);
        assert_eq!(normalize_e164(""), None);
        assert_eq!(normalize_e164("+"), None);
        assert_eq!(normalize_e164("++15550101"), None);
        assert_eq!(normalize_e164("+1 555 0101"), None);
    }

    #[test]
    fn test_did_lookup_normalises_the_number() {
        let d = sample();
        let sales = Some(Destination {
            team: s("demo"),
            kind: s("agent_group"),
            target: s("sales"),
        });
        assert_eq!(d.did("+15550101"), sales.as_ref());
        assert_eq!(d.did("15550101"), sales.as_ref());
        assert_eq!(d.did("+15550102"), None);
        assert_eq!(d.did("not a number"), None);
        assert_eq!(d.did(""), None);
    }

    #[test]
    fn test_did_stored_without_plus_is_unreachable_like_the_reference() {
        // The reference keys DIDs by the stored string and looks up the
        // normalised one, so a row stored without "+" never matches.
        let d = sample();
        assert_eq!(d.did("15550199"), None);
        assert_eq!(d.did("+15550199"), None);
    }

    #[test]
    fn test_account_is_keyed_by_team_dash_number() {
        let d = sample();
        let acme = d.account("acme-5001");
        assert_eq!(acme.map(|a| a.ha1.as_str()), Some("ha1-acme-5001"));
        assert_eq!(acme.map(|a| a.team.as_str()), Some("acme"));
        assert_eq!(acme.map(|a| a.number.as_str()), Some("5001"));
        assert_eq!(d.account("5001"), None);
        assert_eq!(d.account("demo-5002"), None);
        assert_eq!(d.account("demo5001"), None);
        assert_eq!(d.account(""), None);
    }

    #[test]
    fn test_trunk_by_address() {
        let d = sample();
        let trunk = d.trunk_by_address("192.0.2.10");
        assert_eq!(
            trunk.map(|t| (t.team.as_str(), t.name.as_str())),
            Some(("demo", "carrier-a"))
        );
        assert_eq!(d.trunk_by_address("192.0.2.11"), None);
        assert_eq!(d.trunk_by_address(""), None);
    }

    #[test]
    fn test_duplicate_keys_keep_the_last_entry() {
        let d = Directory::new(
            [
                (s("a"), s("b-c"), s("first")),
                (s("a-b"), s("c"), s("second")),
            ],
            [
                (s("demo"), s("1"), s("extension"), s("old")),
                (s("demo"), s("1"), s("extension"), s("new")),
            ],
            [
                (s("+15550101"), s("demo"), s("extension"), s("old")),
                (s("+15550101"), s("demo"), s("extension"), s("new")),
            ],
            [(s("x"), s("demo"), s("old")), (s("x"), s("demo"), s("new"))],
        );
        assert_eq!(d.account("a-b-c").map(|a| a.ha1.as_str()), Some("second"));
        assert_eq!(d.dial("demo", "1").target(), "new");
        assert_eq!(d.did("+15550101").map(|x| x.target.as_str()), Some("new"));
        assert_eq!(
            d.trunk_by_address("x").map(|t| t.name.as_str()),
            Some("new")
        );
    }

    #[test]
    fn test_empty_directory_answers_every_lookup() {
        let d = Directory::default();
        assert_eq!(d.dial("demo", "5001"), Route::NotFound);
        assert_eq!(pair(&d.dial("demo", "*64")), ("feature", "*64"));
        assert_eq!(d.account("demo-5001"), None);
        assert_eq!(d.did("+15550101"), None);
        assert_eq!(d.trunk_by_address("127.0.0.1"), None);
    }

    #[test]
    fn test_routes_ring_groups_and_fixed_agents_are_found_by_their_keys() {
        let trunk = (
            s("carrier"),
            s("192.0.2.20"),
            5060,
            s("+15550100"),
            1,
            s("00"),
            2,
        );
        let d = sample().with_routes(
            [
                (
                    s("demo"),
                    s("demo/trunk:carrier"),
                    s("failover"),
                    vec![trunk.clone()],
                ),
                (
                    s("demo-5001"),
                    s("demo/trunk_group:both"),
                    s("round_robin"),
                    vec![],
                ),
            ],
            [(s("demo"), s("600"), s("ring_all"), 20, vec![s("demo-5001")])],
            [(s("demo-5001"), s("demo/1001"), s("dial_in"))],
        );
        let team = d.outbound("demo");
        assert_eq!(team.map(|r| r.key.as_str()), Some("demo/trunk:carrier"));
        assert_eq!(
            team.and_then(|r| r.trunks.first())
                .map(|t| (t.port, t.caller_id.as_str())),
            Some((5060, "+15550100"))
        );
        assert_eq!(d.outbound("demo-5001").map(|r| r.trunks.len()), Some(0));
        assert_eq!(d.outbound("acme"), None);
        let group = d.ring_group("demo", "600");
        assert_eq!(
            group.map(|g| (g.strategy.as_str(), g.ring_timeout_s)),
            Some(("ring_all", 20))
        );
        assert_eq!(d.ring_group("acme", "600"), None);
        assert_eq!(
            d.fixed_agent("demo-5001").map(|a| a.working_way.as_str()),
            Some("dial_in")
        );
        assert_eq!(d.fixed_agent("demo-5002"), None);
    }

    #[test]
    fn test_route_without_plan_still_classifies() {
        assert_eq!(route(None, "5001"), Route::NotFound);
        assert_eq!(route(None, "*64"), Route::Feature("*64"));
        assert_eq!(route(None, "15550101"), Route::External(s("+15550101")));
        assert_eq!(route(None, "x"), Route::Invalid);
    }
}
