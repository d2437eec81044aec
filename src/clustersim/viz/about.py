"""The dashboard's "About this model" page, in the sections trainers know from NetLogo's Info tab.

Kept as Python text (not a data file) so it ships with the package without package-data rules,
and so a test can check that every Info-tab section is present. Rules are described in words,
not code; docs/ODD.md has the full description with the grounding of every rule.
"""

from __future__ import annotations

SECTIONS: tuple[tuple[str, str], ...] = (
    ("What is it?", """
clustersim simulates how the firms of an industrial cluster find export partners abroad, and
what a **cluster facilitator** (the cluster organisation and its manager) can do about it. It
follows a cluster month by month: member firms (micro firms, SMEs, large firms and start-ups),
the facilitator, and foreign partner firms in a few markets (for example Germany, Scandinavia and
the UK). Trust between firms and partners grows slowly, mostly in personal meetings, and export
ties form only where both sides trust each other and the partner needs something the firm can
deliver.

The model lets trainers and policy makers ask *what if*: what if the facilitator had more public
money, or lost it after a two-year project? What if it offered translation on trips abroad? What
if the language barrier were higher, or keeping many foreign relationships more costly? The
baseline is modelled on the Metalika metal cluster in Poland (45 members, weak public funding,
German and Scandinavian partners, a memorandum with a German metal cluster).
"""),
    ("How it works", """
Each step is one month. In every month:

1. **Public money arrives** according to the funding scheme: a stable *lump sum* grant to the
   facilitator, *matched* funding that tops up what members pay, *vouchers* that members spend on
   services, a fixed-term *project* that stops when it ends, a *performance* grant that follows
   new export ties, or *none*.
2. **The facilitator pays its staff** and collects membership fees (members pay only while they
   are satisfied) and EU project money.
3. **Partners' needs open and close.** A foreign partner needs a supplier for only a few months;
   if no trusted firm is ready in that window, the chance is gone.
4. **The facilitator organises services** with its staff days and money: visits to members,
   business missions and trade fairs abroad, matchmaking, partner search, meetings with the
   partner cluster it has an agreement with, trainings and market intelligence. Its *role* sets
   the priorities: a *project* facilitator works directly with firms (missions, matchmaking,
   partner search); a *framework* facilitator works on the ecosystem (fairs, inter-cluster
   cooperation, trainings, market intelligence); an *all-round* one does both.
5. **Firms search on their own** and **refer partners to peers they trust.**
6. **Every contact changes trust.** A personal meeting builds more trust than an e-mail; the
   language barrier and the cultural distance of the market shrink what a contact builds;
   *translation support* on joint trips removes part of the barrier. A bad experience costs about
   three times what a good one gains. Without contact, trust fades.
7. **Peers in the cluster meet** and cooperate or hold back (co-opetition): trust grows when both
   cooperate, and cooperating firms share what they know about foreign markets.
8. **Export ties form** where a partner has an open need, both sides trust each other enough, the
   firm is capable enough and can afford to enter the market. Experience makes the next market
   cheaper. Every tie costs the firm coordination effort, and this cost grows *faster* than the
   number of ties: the *coordination cost* lever scales it. Busy firms answer partners' signals
   more slowly.
9. **Ties earn revenue and teach experience**, but young ties break more often than old ones.
10. **Members update their satisfaction** from what the cluster gave them this month (events,
    contacts, new ties, visits) against the fee; unhappy members leave, a well-regarded cluster
    attracts new ones. The cluster organisation ages from embryonic to growth to mature.
"""),
    ("How to use it", """
- **Controls** (left): *Step* advances one month, *▶* plays and pauses, *Reset* builds a new
  model from the settings. **Settings apply when you press Reset.** *Render interval* steps
  several months per redraw.
- **Model parameters** (left): the funding scheme and annual budget (EUR for the whole pool), the
  language barrier (mean over the markets; all markets move together), the coordination cost
  multiplier, translation support on trips (0 = none, 1 = full), the facilitator's role, the
  number of firms, and the random seed.
- **Extra settings** takes any scenario field as `field.path=value`, separated by `;`, e.g.
  `policy.funding.duration_months=24; clusters.0.facilitator.staff=3`. Values the scenario schema
  refuses are not applied: a red message says what was wrong and what is allowed.
- **Side by side**: choose a comparison in *Compare with (B)* and press Reset. Setting B is
  setting A with one lever changed, run with the **same seed**, so differences come from the
  lever, not from luck. *Custom* uses the *B settings* field.
- **Network**: the star is the facilitator; dots on the inner ring are firms (colour = kind,
  black rim = exporter, hollow = not a member); squares on the outer ring are foreign partners,
  grouped by market. Thick lines are export ties, thin lines contacts that have not (yet) become
  ties; their colour is trust (dark = low, yellow = high).
- **Charts**: export share, number of export ties, mean cross-border trust and the facilitator's
  cash balance, month by month (A solid, B dashed).
- Start the dashboard from any scenario file: `clustersim dashboard scenarios/embryonic.yaml`.
"""),
    ("Things to notice", """
- Trust and ties grow slowly: the first year often shows little change, and then ties accumulate.
  Trainers should let the model run for several simulated years before judging a lever.
- When funding stops, the facilitator runs out of cash within months and its services stop;
  satisfaction falls and members start leaving about two years later. Export ties keep growing
  for a while on the trust already built, then level off far below a funded cluster.
- Thick yellow lines cluster around the markets where the facilitator organises missions and
  where it has a partner-cluster agreement (Germany in the baseline).
- Cross-border trust is, for each firm, the trust it shares with its *best* foreign partner,
  averaged over all firms (a firm that knows nobody abroad counts 0). It grows slowly, with
  repeated personal meetings, and falls back when funding and events stop. The mean over all
  contacts (``trust_known_relations`` in the tables) behaves differently: every new contact
  starts with low trust, so it dips whenever the facilitator brings many new contacts.
- More ties are not the same as more exporters: with cheap coordination a few firms collect many
  ties, with expensive coordination ties spread over more firms.
- Two runs with different seeds differ: one run is an anecdote. Compare settings side by side with
  the same seed, and use the notebooks for replications with confidence bands.
"""),
    ("Things to try", """
- Compare the baseline with *no public funding*, then with *project funding that stops after 24
  months*. When do the curves part? Do they come back together?
- Double the budget. Is the gain in exporters proportional to the money?
- Raise the language barrier by 0.3, then add full translation support. How much of the loss does
  translation win back?
- Switch the facilitator between the *project* and *framework* roles. Which brings more firms to
  export, and which more ties?
- Double the coordination cost and watch export ties versus export share.
- Shrink the cluster to 20 firms or grow it to 120 with the same budget.
- Start the dashboard with `scenarios/embryonic.yaml` and compare with the baseline.
"""),
    ("Extending the model", """
- New funding schemes are one class each in `clustersim/policy/schemes.py` (subclass
  `FundingScheme`, register it); the rest of the model does not change.
- Each rule is one module in `clustersim/mechanisms/` with pure functions on arrays: a different
  trust update or learning rule replaces one function.
- New markets, clusters and services are scenario data (YAML), not code.
- Ideas: offices abroad as the last stage of internationalisation; firms that compete for the
  same partner; a facilitator that learns which services work; several countries' policies.
"""),
    ("Related models", """
- **SKIN** (Simulating Knowledge Dynamics in Innovation Networks; Gilbert, Ahrweiler and Pyka):
  firms search partners among past partners and at random, and form partnerships on capability.
- **Industrial district** models of co-opetition (Albino, Carbonara and Giannoccaro 2003, JASSS
  6(4) 3): districts do best when cooperation and competition are balanced.
- **Trust** dynamics with experience-based updates (Kim 2009, JASSS 12(3) 4).
- In this repository: the notebooks in `notebooks/` (first run, funding schemes, sweeps and
  sensitivity, classroom exercises) and the scenarios in `scenarios/`.
"""),
    ("Credits and references", """
clustersim is open-source software built on [Mesa](https://mesa.readthedocs.io) and Solara. Its
rules rest on:

- Bembenek, B., Frankowska, M. and Kowalska, K. (2018). Internationalization through networks:
  strategic challenge for cluster facilitator. *Humanities and Social Sciences* 23(25), 9-22
  (Metalika cluster; PARP study of 64 Polish clusters).
- *Of course clusters should be international* (Alucluster and Cluster 55, Denmark).
- *Sustainable Business Model of CLUSME Metacluster* (Estonia and Finland).
- CLUSTEM project guide, *Clusters at the centre of competitiveness arena: how to excel* (ESCA
  benchmarking indicators, gold-label clusters).
- *Clusterpedia on Cluster Development* (FAQ for cluster facilitators).
- Ingstrup, M. B. and Damgaard, T. on facilitator roles; Johanson, J. and Vahlne, J.-E. (1977,
  2009), the Uppsala model of incremental internationalisation; Eaton, J., Eslava, M., Kugler, M.
  and Tybout, J. (2007) and Roberts, M. and Tybout, J. (1997) on export entry and persistence;
  Pant and Yu (2025) on asymmetric trust updates.

Many quantities are assumptions and are marked so in `docs/ODD.md`; treat results as
*what-if* reasoning for teaching and policy discussion, not forecasts.
"""),
)

SECTION_TITLES: tuple[str, ...] = tuple(title for title, _ in SECTIONS)


def about_markdown() -> str:
    """The whole page as one Markdown document."""
    parts = ["# About this model"]
    parts += [f"## {title}\n{text.strip()}" for title, text in SECTIONS]
    return "\n\n".join(parts) + "\n"
