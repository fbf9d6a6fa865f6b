DELETE FROM stories;
