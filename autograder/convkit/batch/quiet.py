"""Imported first by the judges' fork server (`convkit.batch.forkserver`), before it imports the
judge: Ctrl-C, which reaches every process of the terminal's group, is the convkit process's to
handle (it stops the judges and says so in one line). multiprocessing's server ignores it itself
only once its imports are done, and a Ctrl-C during them printed the server's traceback too."""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
# held while the server started (`forkserver.start_early`)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
