namespace MediaCore.LoadTest.Tests;

/// <summary>Cluster runs: <c>--nodes</c> spreads sites over nodes, <c>--topology</c> puts publishers on the county node.</summary>
public sealed class ScenarioPlanTests
{
    private static LoadTestOptions Parse(params string[] args) => LoadTestOptions.Parse([.. args, "--token-secret", "s"]);

    [Fact]
    public void Parse_Nodes_FirstIsTheServer()
    {
        var o = Parse("--nodes", "http://127.0.0.1:8080, http://127.0.0.1:8081,http://127.0.0.1:8082");
        Assert.Equal(3, o.Nodes.Count);
        Assert.Equal(new Uri("http://127.0.0.1:8080"), o.Server);
    }

    [Fact]
    public void Parse_TopologyWithoutTownNodes_Rejected()
    {
        Assert.Throws<ArgumentException>(() => Parse("--topology"));
        Assert.Throws<ArgumentException>(() => Parse("--topology", "--nodes", "http://127.0.0.1:8080"));
    }

    [Fact]
    public void Build_Topology_PublisherOnCountyVillagesRoundRobinOverTowns()
    {
        var o = Parse("--nodes", "http://a:1,http://b:2,http://c:3", "--topology", "--site-audio");
        var plan = ScenarioPlan.Build(o, 6);
        Assert.Equal(0, plan.Single(p => p.Site == "county").Node);
        var villages = plan.Where(p => p.Site != "county").GroupBy(p => p.Site).ToList();
        // Every peer of a site (its audience and its audio) on the same town node; towns share the villages evenly.
        Assert.All(villages, g => Assert.Single(g.Select(p => p.Node).Distinct()));
        Assert.Equal([1, 2, 1, 2, 1, 2], villages.Select(g => g.First().Node));
    }

    [Fact]
    public void Build_NodesWithoutTopology_SitesRoundRobinOverEveryNode()
    {
        var o = Parse("--nodes", "http://a:1,http://b:2,http://c:3");
        var plan = ScenarioPlan.Build(o, 5);
        Assert.Equal([0, 1, 2, 0, 1, 2], plan.Select(p => p.Node));
    }
}
