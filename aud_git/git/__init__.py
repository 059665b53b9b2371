"""Everything that talks to git: the repository and its configuration (`workspace`), the
working tree as git sees it (`snapshot`), object ids and staged blobs (`objects`), commits
(`history`), and git's files read without libgit2 for fast readers (`refs`).

The only package that imports pygit2. Never imports the engine, the database or the commands."""
