namespace MediaCore.LoadTest;

/// <summary>One peer to start: which site, room and role, publishing or subscribing.</summary>
/// <param name="Node">Index into the cluster's nodes (<see cref="LoadTestOptions.Nodes"/>); 0 without a cluster.</param>
internal sealed record PeerPlan(string Site, string Room, string Role, bool Publish, bool SendVideo, int Node = 0);

/// <summary>Turns a scenario and a site count into the peers to start, publishers of each room first.</summary>
internal static class ScenarioPlan
{
    public static List<PeerPlan> Build(LoadTestOptions o, int sites, int offset = 0)
    {
        var plan = new List<PeerPlan>();
        string run = $"lt{Environment.ProcessId % 10000}";
        switch (o.Scenario)
        {
            case Scenario.Plenary:
            case Scenario.Capacity:
                if (offset == 0) plan.Add(new PeerPlan("county", $"{run}-plenary", "host", true, true));
                for (int i = 0; i < sites; i++)
                {
                    string site = $"village-{offset + i:D3}";
                    plan.Add(new PeerPlan(site, $"{run}-plenary", "audience", false, false));
                    // The room's audio from every site: the mixer (docs/architecture.md) mixes the loudest few.
                    if (o.SiteAudio) plan.Add(new PeerPlan(site, $"{run}-plenary", "speaker", true, false));
                }
                break;
            case Scenario.Partial:
            {
                int towns = Math.Max(1, Math.Min(o.Towns, sites));
                for (int t = 0; t < towns; t++) plan.Add(new PeerPlan($"town-{t:D2}", $"{run}-town-{t:D2}", "host", true, true));
                for (int i = 0; i < sites; i++) plan.Add(new PeerPlan($"village-{i:D3}", $"{run}-town-{i % towns:D2}", "audience", false, false));
                break;
            }
            case Scenario.Lecture:
            {
                string room = $"{run}-lecture";
                plan.Add(new PeerPlan("expert", room, "host", true, true));
                int q = Math.Min(o.Questions, sites);
                for (int i = 0; i < q; i++) plan.Add(new PeerPlan($"village-{i:D3}", room, "speaker", true, false));
                for (int i = 0; i < sites; i++) plan.Add(new PeerPlan($"village-{i:D3}", room, "audience", false, false));
                break;
            }
            case Scenario.ListenIn:
            {
                // Each village holds its own meeting (publisher + the villagers' screen as a subscriber);
                // every fifth village has its town listening in as an observer.
                for (int i = 0; i < sites; i++) plan.Add(new PeerPlan($"village-{i:D3}", $"{run}-village-{i:D3}", "host", true, true));
                for (int i = 0; i < sites; i++)
                {
                    if (i % 5 == 0) plan.Add(new PeerPlan($"town-{i / 25:D2}", $"{run}-village-{i:D3}", "observer", false, false));
                }
                break;
            }
        }
        return AssignNodes(o, plan);
    }

    /// <summary>
    /// Cluster: the node of each peer. A site keeps one node for all its peers (its town's node in a real deployment);
    /// sites go round robin over every node, or with <see cref="LoadTestOptions.Topology"/> room publishers go to the county
    /// node (0) and villages round robin over the town nodes (1..).
    /// </summary>
    private static List<PeerPlan> AssignNodes(LoadTestOptions o, List<PeerPlan> plan)
    {
        int n = o.Nodes.Count;
        if (n < 2) return plan;
        var bySite = new Dictionary<string, int>(StringComparer.Ordinal);
        return plan.Select(p =>
        {
            if (o.Topology && p.Publish && p.SendVideo) return p with { Node = 0 };
            if (!bySite.TryGetValue(p.Site, out int node))
            {
                node = o.Topology ? 1 + bySite.Count % (n - 1) : bySite.Count % n;
                bySite[p.Site] = node;
            }
            return p with { Node = node };
        }).ToList();
    }
}
