DROP SECRET khabar_lake;
