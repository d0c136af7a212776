using System.Diagnostics;
using System.Threading.Channels;

namespace VerifiedIpc.Reference.Tests.CrossProcess;

/// <summary>
/// A running VerifiedIpc.ProcessHost child: its stdout lines as they come, its exit, and a kill that always runs
/// (<see cref="DisposeAsync"/>), so no test leaves an orphan process behind.
/// </summary>
internal sealed class ChildHost : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _all = [];
    private readonly Task _pump;
    private readonly Task<string> _stderr;

    private ChildHost(Process process)
    {
        _process = process;
        _pump = Task.Run(PumpAsync);
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public int Id => _process.Id;

    /// <summary>Starts the host with <paramref name="args"/> under the current <c>dotnet</c> host.</summary>
    public static ChildHost Start(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "VerifiedIpc.ProcessHost.dll");
        if (!File.Exists(dll))
            throw new FileNotFoundException("The child host was not built next to the tests (project reference missing?).", dll);
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in args)
            info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned null");
        return new ChildHost(process);
    }

    /// <summary>The dotnet executable running this test (the SDK sets DOTNET_HOST_PATH for test hosts).</summary>
    public static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
            return fromSdk;
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet")
            return self;
        return "dotnet";
    }

    /// <summary>
    /// The result of <paramref name="connecting"/>, or a failure with the child's output as soon as the child exits
    /// without connecting (so a broken child fails the test at once instead of at its time bound).
    /// </summary>
    public async Task<T> UnlessExitedAsync<T>(Task<T> connecting, CancellationToken ct)
    {
        var exited = _process.WaitForExitAsync(ct);
        if (await Task.WhenAny(connecting, exited) == connecting)
            return await connecting;
        await _pump.WaitAsync(ct);
        throw new InvalidOperationException($"the child exited with code {_process.ExitCode} before connecting. {await DescribeAsync()}");
    }

    /// <summary>The next stdout line; null at end of output.</summary>
    public async Task<string?> NextLineAsync(CancellationToken ct)
    {
        while (await _lines.Reader.WaitToReadAsync(ct))
            if (_lines.Reader.TryRead(out var line))
                return line;
        return null;
    }

    /// <summary>Skips lines until one starts with <paramref name="prefix"/>, and returns it.</summary>
    public async Task<string> LineStartingWithAsync(string prefix, CancellationToken ct)
    {
        while (await NextLineAsync(ct) is { } line)
            if (line.StartsWith(prefix, StringComparison.Ordinal))
                return line;
        throw new InvalidOperationException($"child ended without a line starting '{prefix}'. {await DescribeAsync()}");
    }

    /// <summary>Waits for the child to exit and for its output to end; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken ct)
    {
        await _process.WaitForExitAsync(ct);
        await _pump.WaitAsync(ct);
        return _process.ExitCode;
    }

    /// <summary>Every stdout line so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get { lock (_all) return [.. _all]; }
    }

    public void Kill() => _process.Kill(entireProcessTree: true);

    public bool HasExited => _process.HasExited;

    /// <summary>Output and error text for assertion messages.</summary>
    public async Task<string> DescribeAsync()
    {
        string err = _stderr.IsCompleted ? await _stderr : "(stderr still open)";
        return $"child {Id} stdout: [{string.Join(" | ", Lines.TakeLast(20))}] stderr: [{err.Trim()}]";
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(bound.Token);
        _process.Dispose();
    }

    private async Task PumpAsync()
    {
        var reader = _process.StandardOutput;
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_all)
                _all.Add(line);
            _lines.Writer.TryWrite(line);
        }
        _lines.Writer.TryComplete();
    }
}
