using MediaCore.Server;

var app = MediaServerApp.Build(args);
app.Run();

/// <summary>Entry point marker for tests.</summary>
public partial class Program;
