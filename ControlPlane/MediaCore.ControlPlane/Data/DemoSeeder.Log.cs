namespace MediaCore.ControlPlane.Data;

internal sealed partial class DemoSeeder
{
    [LoggerMessage(10, LogLevel.Information,
        "Seeded Pingyin County demo: {Towns} towns, {Villages} villages/communities, {Meetings} meetings, {CheckIns} cadre check-ins; every account's password is ControlPlane:DemoPassword")]
    private static partial void Seeded(ILogger logger, int towns, int villages, int meetings, int checkIns);
}
