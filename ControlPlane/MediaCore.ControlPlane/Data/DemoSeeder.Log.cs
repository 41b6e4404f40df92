namespace MediaCore.ControlPlane.Data;

internal sealed partial class DemoSeeder
{
    [LoggerMessage(10, LogLevel.Information,
        "Seeded Pingyin County demo: {Towns} towns, {Villages} villages/communities, {People} people, {Meetings} meetings, {CheckIns} check-ins in {ElapsedMs} ms; every account's password is ControlPlane:DemoPassword")]
    private static partial void Seeded(ILogger logger, int towns, int villages, int people, int meetings, int checkIns, long elapsedMs);
}
