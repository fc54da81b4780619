/// Readers and writers for the Animal Kingdom action-recognition annotations
/// (per-frame Charades CSV, AR metadata) and its class list corrections.
public enum AnimalKingdom {
    /// The label ids the annotations really use for the classes whose df_action `index` is wrong,
    /// keyed by lower-cased class name.
    ///
    /// df_action.csv swaps 49/50 and 70/74 and garbles 81–84 relative to the ids in the annotations.
    /// Measured on AR_metadata (30,100 clips) from the co-occurrence of label ids with the action names
    /// in `list_animal_action`: every id's clips are dominated by one name (Ochiai coefficient), and for
    /// these ids that name is not df_action's. Example: id 49 is on 388 clips, 290 of them name
    /// "Flapping Tail" (all 290 clips that name it); id 74 is on 97 clips, 86 name "Lying Down".
    /// A class's `segment` and `count` belong to its name, so they move with it; the corrected segments
    /// equal `by_action_name_corrected` in ak_segments.json. The mapping is by name, so applying it to an
    /// already corrected file changes nothing.
    public static let correctedLabelIDs: [String: Int] = [
        "flapping tail": 49,
        "flapping its ears": 50,
        "lying on its side": 70,
        "lying down": 74,
        "performing sexual display": 81,
        "performing allo-grooming": 82,
        "performing allo-preening": 83,
        "performing copulatory mounting": 84,
    ]
}
