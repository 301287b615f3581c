using Herd.Gateway;
using Herd.Gateway.Cli;

if (GatewayCommandLine.Handles(args))
{
    return await GatewayCommandLine.RunAsync(args, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);

// The web app's static files (its stylesheet, Blazor's and Fluent UI's scripts) are found from
// the build's manifest or beside a published gateway alike, whatever the environment.
builder.WebHost.UseStaticWebAssets();

builder.AddServiceDefaults();
builder.AddGateway();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapGateway();

app.Run();
return 0;

/// <summary>The gateway's entry point, visible to in-process tests.</summary>
public partial class Program;
