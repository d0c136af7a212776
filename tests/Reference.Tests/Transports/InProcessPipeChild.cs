using System.Globalization;
using System.Runtime.InteropServices;
using VerifiedIpc.Reference.Transports.Pipes;

namespace VerifiedIpc.Reference.Tests.Transports;

/// <summary>
/// Plays the child of an <see cref="AnonymousPipeParent"/> inside the test process, holding descriptors of its own as
/// a real child does.
/// </summary>
/// <remarks>
/// The parent's <see cref="AnonymousPipeParent.ChildArgument"/> names the parent's own copies of the child's ends.
/// A "child" in the same process that opened those numbers would share them with the parent: both close them, and
/// the second close hits whatever descriptor the system handed out again in between, in a test process running
/// tests in parallel another test's socket or file. <see cref="Argument"/> duplicates the two ends (close-on-exec, so
/// no process started meanwhile inherits them), releases the parent's copies as a parent does once its child has
/// started, and returns the duplicates' numbers.
/// </remarks>
internal static class InProcessPipeChild
{
    private const int F_DUPFD_CLOEXEC = 1030;

    [DllImport("libc", SetLastError = true)]
    private static extern int fcntl(int fd, int cmd, int arg);

    public static string Argument(AnonymousPipeParent parent)
    {
        var (input, output) = PipeTransport.ParseHandles(parent.ChildArgument);
        var own = $"{Duplicate(input)},{Duplicate(output)}";
        parent.ReleaseChildHandles();
        return own;
    }

    private static string Duplicate(string handle)
    {
        int copy = fcntl(int.Parse(handle, CultureInfo.InvariantCulture), F_DUPFD_CLOEXEC, 0);
        if (copy < 0)
            throw new IOException($"fcntl(F_DUPFD_CLOEXEC) on pipe handle {handle} failed: errno {Marshal.GetLastPInvokeError()}");
        return copy.ToString(CultureInfo.InvariantCulture);
    }
}
