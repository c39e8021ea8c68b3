package dev.batchqa.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CfnYamlTest {
    @Test
    void shortTagsBecomeTheirLongForms() {
        Map<String, Object> t = CfnYaml.parse("""
                AWSTemplateFormatVersion: 2010-09-09
                Resources:
                  Fn:
                    Properties:
                      Table: !Ref Table
                      Arn: !GetAtt Queue.Arn
                      Name: !Sub "${AWS::StackName}-x"
                      Memory: !If [Big, 3008, !Ref AWS::NoValue]
                      Size: !FindInMap [Sizes, !Ref Model, Memory]
                """);
        assertEquals("2010-09-09", t.get("AWSTemplateFormatVersion"));
        Map<String, Object> p = CfnYaml.map(CfnYaml.path(t, "Resources", "Fn", "Properties"));
        assertEquals(Map.of("Ref", "Table"), p.get("Table"));
        assertEquals(Map.of("Fn::GetAtt", List.of("Queue", "Arn")), p.get("Arn"));
        assertEquals(Map.of("Fn::Sub", "${AWS::StackName}-x"), p.get("Name"));
        assertEquals(Map.of("Fn::If", List.of("Big", 3008, Map.of("Ref", "AWS::NoValue"))), p.get("Memory"));
        assertEquals(Map.of("Fn::FindInMap", List.of("Sizes", Map.of("Ref", "Model"), "Memory")), p.get("Size"));
        assertNull(CfnYaml.path(t, "Resources", "Missing", "Properties"));
    }

    @Test
    void aDocumentThatIsNoMappingIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> CfnYaml.parse("- a\n- b\n"));
    }
}
