// placeholder until pipeline.cpp lands
