using Herd.Gateway;
using Herd.Gateway.Cli;

if (GatewayCommandLine.Handles(args))
{
    return await GatewayCommandLine.RunAsync(args, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);

// The dashboard's page lives in wwwroot, which a build leaves in the project folder and a
// publish copies beside the gateway; this finds it in either case, whatever the environment.
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
