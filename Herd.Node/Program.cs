using Herd.Node.Cli;
using Herd.Node.Extensions;

if (NodeCommandLine.Handles(args))
{
    return await NodeCommandLine.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNode();

var app = builder.Build();

app.MapDefaultEndpoints();

await app.RunAsync();
return 0;
