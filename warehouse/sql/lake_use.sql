USE khabar;
